// The shell: login until a token is accepted, then the overview or one organisation.
import { useEffect, useState } from 'preact/hooks';
import { api, setUnauthorizedHandler, type Me } from './api.ts';
import { clearToken, getToken } from './session.ts';
import { useRoute } from './route.ts';
import { Login } from './views/Login.tsx';
import { Overview } from './views/Overview.tsx';
import { OrgView } from './views/OrgView.tsx';

export function App() {
  const [authed, setAuthed] = useState(() => getToken() != null);
  const [expired, setExpired] = useState(false);
  const route = useRoute();
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => {
    if (!authed) return;
    api.me().then(setMe, () => setMe(null));
  }, [authed]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setExpired(true);
      setAuthed(false);
    });
  }, []);

  useEffect(() => {
    document.title =
      !authed || route.view === 'overview' ? 'Vigil — responder’s dashboard' : `${route.org} — Vigil`;
  }, [authed, route]);

  if (!authed) {
    return (
      <Login
        expired={expired}
        onLogin={() => {
          setExpired(false);
          setAuthed(true);
        }}
      />
    );
  }
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Vigil
        </a>
        <span class="tagline">Who was hit · what was done · what to patch</span>
        {me && (
          <span class="who" title="The role of this token">
            {me.label} · {me.role === 'org' ? `${me.org ?? ''} only` : me.role}
          </span>
        )}
        <button
          type="button"
          class="link"
          onClick={() => {
            clearToken();
            setAuthed(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {route.view === 'org' ? (
          <OrgView key={route.org} org={route.org} canTriage={me?.role !== 'org'} />
        ) : (
          <Overview />
        )}
      </main>
    </>
  );
}
