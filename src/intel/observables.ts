/**
 * What a record shows in STIX Cyber-observable terms: object paths (lower-cased, as `pathKey`
 * writes them) → observed values (the shape lives in the model; sources build the views).
 */
export { MapView, type ObservableView } from '../model/observable.ts';

/** Object paths some Vigil reader fills in: an indicator on any other path can never match. */
export const OBSERVED_PATHS = new Set([
  'file:hashes.sha-256',
  'file:hashes.sha-1',
  'file:hashes.md5',
  'file:name',
  'file:size',
  'file:parent_directory_ref.path',
  'domain-name:value',
  'domain-name:resolves_to_refs[*].value',
  'ipv4-addr:value',
  'ipv6-addr:value',
  'url:value',
  'email-addr:value',
  'email-message:from_ref.value',
  'email-message:sender_ref.value',
  'email-message:subject',
  'email-message:to_refs[*].value',
  'email-message:body_multipart[*].body_raw_ref.name',
  'email-message:body_multipart[*].body_raw_ref.hashes.sha-256',
  'network-traffic:src_ref.value',
  'network-traffic:dst_ref.value',
  'network-traffic:extensions.http-request-ext.request_header.user-agent',
  'network-traffic:extensions.http-request-ext.request_value',
  'user-account:account_login',
  'user-account:user_id',
]);

/** Hash names as STIX writes them, to the key used everywhere here. */
export function hashKey(name: string): 'sha-256' | 'sha-1' | 'md5' | null {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return n === 'sha256' ? 'sha-256' : n === 'sha1' ? 'sha-1' : n === 'md5' ? 'md5' : null;
}
