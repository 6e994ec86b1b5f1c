/** Vigil's private cache folder (created 0700), or null when caching is off or unsafe. */
export function cacheDir(): string | null;
/** Node's compile cache in Vigil's cache folder (no-op when already on, or disabled). */
export function enableCompileCache(): void;
