/** PostgreSQL SQLSTATE 23505: a unique index refused the row (a concurrent insert won). */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string }; code?: string } | null) ?? {};
  return driverError.code === '23505' || driverError.driverError?.code === '23505';
}
