// The API token lives in sessionStorage (gone when the tab closes) and in memory; never in a URL.
const KEY = 'vigil.token';

let memory: string | null = null;

export function getToken(): string | null {
  if (memory) return memory;
  try {
    memory = sessionStorage.getItem(KEY);
  } catch {
    // Storage disabled (private mode, policy): memory only.
  }
  return memory;
}

export function setToken(token: string): void {
  memory = token;
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Memory only.
  }
}

export function clearToken(): void {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}
