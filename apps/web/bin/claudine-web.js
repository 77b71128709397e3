#!/usr/bin/env node
// The installed command. A committed launcher rather than dist/bin.js itself, so package
// managers can link the command before the package is built.
import '../dist/bin.js';
