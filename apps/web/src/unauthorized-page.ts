/**
 * The page a browser gets without the session cookie (HTTP 401). It says how to get in; its
 * script (`/assets/login.js`) trades a `#token=` in the address for the cookie, so the link
 * `claudine ui` prints works, and removes the token from the address and the history at once.
 */
export const UNAUTHORIZED_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claudine · sign in</title>
<link rel="icon" href="/assets/favicon.svg">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/login.js"></script>
</head>
<body>
<main class="signin">
  <div class="signin-card">
    <div class="brand"><span class="brand-mark">C</span> Claudine</div>
    <h1>This dashboard needs its access link</h1>
    <p id="signin-message">Run <code>claudine ui</code> in a terminal and open the link it prints. The link carries the access
    token of your data directory once; the dashboard then keeps it in a cookie that only this server can read.</p>
    <p class="muted">The token is in <code>access-token</code> in Claudine's data directory; only your user can read it.</p>
  </div>
</main>
</body>
</html>
`;
