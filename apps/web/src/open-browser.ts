import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Opens `signInUrl` in the user's browser. The token must not appear on a command line (any
 * local user can read another's with `ps`), so the browser is given a 0600 file in the 0700 data
 * directory that forwards to the link, as Jupyter does. `$BROWSER` (a command) wins over the
 * platform's opener. Resolves with why it could not, or undefined.
 */
export async function openBrowser(
  signInUrl: string,
  dataDirectory: string,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const page = join(dataDirectory, 'dashboard-open.html');
  const target = JSON.stringify(signInUrl);
  writeFileSync(
    page,
    `<!doctype html><meta charset="utf-8"><title>Opening Claudine</title><script>location.replace(${target})</script><a href=${target}>Open the dashboard</a>\n`,
    { mode: 0o600 },
  );
  const address = pathToFileURL(page).href;
  const browser = environment.BROWSER?.trim();
  const [command, args] =
    browser !== undefined && browser !== ''
      ? [browser, [address]]
      : process.platform === 'darwin'
        ? ['open', [address]]
        : process.platform === 'win32'
          ? ['cmd', ['/c', 'start', '""', address]]
          : ['xdg-open', [address]];
  return await new Promise<string | undefined>((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, env: environment });
    child.once('error', (error) => resolve(`could not open a browser (${command}: ${error.message}): open the link yourself`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
