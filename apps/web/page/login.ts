// The sign-in: `claudine ui` prints a link with the token in its fragment (never sent to a
// server, so never in a log or a Referer). This trades it for the HttpOnly cookie and removes it
// from the address bar and the history before anything else can read it.
const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
const message = document.getElementById('signin-message');
if (match !== null) {
  const token = match[1] as string;
  history.replaceState(null, '', location.pathname + location.search);
  if (message !== null) message.textContent = 'Signing in…';
  fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
    credentials: 'same-origin',
  }).then(
    (response) => {
      if (response.ok) location.reload();
      else if (message !== null)
        message.textContent =
          'That link’s token is not valid for this dashboard (it may have been rotated). Run `claudine ui` again and open the new link.';
    },
    () => {
      if (message !== null) message.textContent = 'The dashboard did not answer. Is `claudine ui` still running?';
    },
  );
}
