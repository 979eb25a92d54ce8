import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { normalizePrivileges } from '../../auth/grants';

/** A list of short strings: categories, groups, role ids. */
export function StringList(maxItems = 100, maxLength = 100) {
  return applyDecorators(
    IsArray(),
    ArrayMaxSize(maxItems),
    IsString({ each: true }),
    MinLength(1, { each: true }),
    MaxLength(maxLength, { each: true }),
  );
}

export const PRIVILEGE_ID = /^[a-z][a-z0-9_]{0,63}$/;

/** Privilege ids as an array (v2). */
export function PrivilegeList() {
  return applyDecorators(
    StringList(200, 64),
    Matches(PRIVILEGE_ID, { each: true, message: 'each privilege must be a lowercase id such as run_jobs' }),
  );
}

/** Privileges as xyOps sends them: `{ "run_jobs": 1 }` or an array (v1). */
export function V1PrivilegeList() {
  return applyDecorators(
    ApiPropertyOptional({
      description: 'The xyOps form `{ "run_jobs": 1 }`, or an array of privilege ids.',
      oneOf: [
        { type: 'object', maxProperties: 200, additionalProperties: { type: 'integer', format: 'int32', minimum: 0, maximum: 1, description: '1 grants; 0 does not' } },
        { type: 'array', maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 64, pattern: PRIVILEGE_ID.source } },
      ],
      example: { run_jobs: 1 },
    }),
    Transform(({ value }) => (value === undefined || value === null ? value : typeof value === 'object' ? normalizePrivileges(value) : value)),
    PrivilegeList(),
  );
}

/** v1 booleans: 1/0, true/false, "1"/"0", "true"/"false". */
export const V1Boolean = () =>
  Transform(({ value }) => {
    if (value === 1 || value === '1' || value === 'true' || value === true) return true;
    if (value === 0 || value === '0' || value === 'false' || value === false) return false;
    return value;
  });
