#!/usr/bin/env node
// The installed command. A committed launcher rather than the bundle itself, so package managers
// can link the command before the package is built. It turns on Node's compile cache first
// (Node 22.1 and later have it; before, the bundle keeps V8's code cache itself). CommonJS, as
// the bundles are: Node then never sets up its ES module loader.
require('node:module').enableCompileCache?.();
require('../bundle/bin.cjs');
