/**
 * Claims whose signature was verified earlier are still in force at `nowSeconds`: not expired and
 * not before their start. Judged on every request that reuses a remembered verification.
 */
export function claimsInForce(claims: { exp: number; nbf?: number }, nowSeconds: number): boolean {
  return claims.exp > nowSeconds && (claims.nbf === undefined || claims.nbf <= nowSeconds);
}
