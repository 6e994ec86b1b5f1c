// The login form: a token from `vigil token create`, checked against the API before it is kept.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { setToken } from '../session.ts';

export function Login(props: { expired: boolean; onLogin: () => void }) {
  const [error, setError] = useState<string | null>(
    props.expired ? 'Your session ended or the token was revoked. Sign in again.' : null,
  );
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('token') as HTMLInputElement;
    const token = input.value.trim();
    if (!token) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    try {
      if (await api.check(token)) {
        setToken(token);
        input.value = '';
        props.onLogin();
      } else {
        setError('This token was not accepted.');
        input.select();
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login" id="main">
      {/* method=post and no action: even if the script failed, the token never lands in a URL. */}
      <form method="post" onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <h1>Vigil</h1>
        <p class="muted">The responder’s dashboard: who was hit, what was done, what to patch.</p>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          autoFocus
        />
        <p class="hint">
          Made with <code>vigil token create --role analyst</code>. Kept in this tab only.
        </p>
        {error && (
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
