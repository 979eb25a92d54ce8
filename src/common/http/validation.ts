import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiVersion } from '../errors/api-version';
import { FieldError, KeywardError, Messages } from '../errors/keyward-error';

/**
 * v2 rejects unknown properties (api-v2.md); v1 drops them, since xyOps scripts send extra
 * parameters and must keep working. Neither version ever applies an unknown property.
 */
export function createValidationPipe(version: ApiVersion): ValidationPipe {
  return new KeywardValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: version === 'v2',
    forbidUnknownValues: true,
    transform: true,
    validateCustomDecorators: true,
    exceptionFactory: (errors) => toValidationError(errors),
  });
}

/** A body must be a JSON object; an absent body is an empty one (so missing fields are named). */
class KeywardValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value === undefined || value === null) return super.transform({}, metadata);
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new KeywardError('validation', 'Request body must be a JSON object.');
      }
    }
    return super.transform(value, metadata);
  }
}

export function toValidationError(errors: ValidationError[]): KeywardError {
  const fields = flatten(errors, '');
  if (fields.length === 0) return new KeywardError('validation', 'Request body must be a JSON object.');
  const first = fields[0];
  const description = first.missing
    ? Messages.missingParameter(first.field)
    : first.unknown
      ? `Unknown parameter: ${first.field}`
      : `Invalid parameter: ${first.field}: ${first.message}`;
  return new KeywardError('validation', description, {
    errors: fields.map(({ field, message }) => ({ field, message })),
  });
}

interface FlatError extends FieldError {
  missing: boolean;
  unknown: boolean;
}

function flatten(errors: ValidationError[], prefix: string): FlatError[] {
  const out: FlatError[] = [];
  for (const error of errors) {
    if (!error.property) continue;
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    const names = Object.keys(constraints);
    if (names.length > 0) {
      const missing = error.value === undefined && !names.includes('whitelistValidation');
      out.push({
        field,
        message: missing
          ? 'is required'
          : Object.values(constraints)
          .map((text) => text.replace(/^property \S+ should not exist$/, 'is not a known property'))
          .join('; '),
        missing,
        unknown: names.includes('whitelistValidation'),
      });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}
