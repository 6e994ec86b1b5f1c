/** Organisation names are kept as given (Unicode allowed) but must be printable and bounded. */
export function checkOrgName(org: string): string | null {
  if (!org.length) return 'an organisation name cannot be empty';
  if (org.length > 200) return 'an organisation name is at most 200 characters';
  if (org !== org.toWellFormed()) return 'an organisation name must be valid Unicode';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(org)) return 'an organisation name cannot hold control characters';
  if (org.trim() !== org) return 'an organisation name cannot start or end with spaces';
  return null;
}
