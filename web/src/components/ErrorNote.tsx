export const ErrorNote = (p: { error: string | undefined | null }) =>
  p.error ? (
    <p class="error" role="alert">
      {p.error}
    </p>
  ) : null;
