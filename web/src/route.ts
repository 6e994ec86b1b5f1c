// Hash routes (`#/`, `#/org/<name>`): bookmarkable views with no server routes and no token in them.
import { useEffect, useState } from 'preact/hooks';

export type Route = { view: 'overview' } | { view: 'org'; org: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/org\/([^/?]+)/.exec(hash);
  if (m?.[1]) {
    try {
      return { view: 'org', org: decodeURIComponent(m[1]) };
    } catch {
      // A malformed escape: fall back to the overview.
    }
  }
  return { view: 'overview' };
}

export const orgHref = (org: string) => `#/org/${encodeURIComponent(org)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
