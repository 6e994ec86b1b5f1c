/**
 * The eight security products whose state SUNBURST reports (svcList, reference §1.8). Two bits
 * per product: bit 2i = "stopped" (SUNBURST tried to disable the product's services), bit 2i+1 =
 * "running" (one of its processes was seen). At least one public decoder names these the other
 * way round; this follows the implant's source.
 */
export const PRODUCTS = [
  'WindowsDefender',
  'WindowsDefenderATP',
  'MicrosoftDefenderForIdentity',
  'CarbonBlack',
  'CrowdStrike',
  'FireEye',
  'ESET',
  'F-Secure',
] as const;

export interface ProductState {
  readonly product: (typeof PRODUCTS)[number];
  readonly running: boolean;
  readonly stopped: boolean;
}

export function decodeProducts(word: number): ProductState[] {
  const out: ProductState[] = [];
  for (let i = 0; i < PRODUCTS.length; i++) {
    const stopped = ((word >> (2 * i)) & 1) === 1;
    const running = ((word >> (2 * i + 1)) & 1) === 1;
    if (stopped || running) out.push({ product: PRODUCTS[i]!, running, stopped });
  }
  return out;
}

/** `WindowsDefender_RUNNING`, `WindowsDefender_STOPPED` (the labels Netresec prints). */
export function productLabels(states: readonly ProductState[]): string[] {
  return states.flatMap((s) => [
    ...(s.running ? [`${s.product}_RUNNING`] : []),
    ...(s.stopped ? [`${s.product}_STOPPED`] : []),
  ]);
}
