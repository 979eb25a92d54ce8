import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { ApiVersion } from '../errors/api-version';
import { FieldError, KeywardError, Messages } from '../errors/keyward-error';
import { planFor } from './validation-plan';

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
  /** Per DTO class: whether an empty object passes (its result is then the same every time). */
  private readonly emptyPasses = new WeakMap<object, boolean>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value === undefined || value === null) value = {};
      else if (typeof value !== 'object' || Array.isArray(value)) {
        throw new KeywardError('validation', 'Request body must be a JSON object.');
      }
    }
    const metatype = metadata.metatype;
    if (metatype && (metadata.type === 'body' || metadata.type === 'query') && isEmptyObject(value)) {
      // Most GETs send no query at all: validating {} gives the same answer every time.
      const passes = this.emptyPasses.get(metatype);
      if (passes) return plainToInstance(metatype, {});
      if (passes === undefined) {
        try {
          const result = await super.transform(value, metadata);
          this.emptyPasses.set(metatype, true);
          return result;
        } catch (error) {
          this.emptyPasses.set(metatype, false);
          throw error;
        }
      }
    }
    if (metatype && (metadata.type === 'body' || metadata.type === 'query')) {
      const entity = this.planned(value, metatype);
      if (entity) return entity;
    }
    return super.transform(value, metadata);
  }

  /**
   * The DTO built as ValidationPipe builds it, when its plan says class-validator would pass it
   * (validation-plan.ts); otherwise undefined, and ValidationPipe does the whole work.
   */
  private planned(value: unknown, metatype: NonNullable<ArgumentMetadata['metatype']>): object | undefined {
    const plan = planFor(metatype);
    if (!plan || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    // Only the DTO's own property names (so no __proto__ or constructor to strip first), and only
    // scalars or arrays of scalars (no object for ValidationPipe to strip or build a class from).
    for (const [key, field] of Object.entries(value)) {
      if (!plan.properties.has(key)) return undefined;
      if (Array.isArray(field) ? !field.every(isScalar) : !isScalar(field)) return undefined;
    }
    const entity = (!this.transformOptions && plan.instantiate?.(value as Record<string, unknown>)) || (plainToInstance(metatype, value, this.transformOptions) as object);
    return entity.constructor === metatype && plan.passes(entity) ? entity : undefined;
  }
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return Object.getOwnPropertySymbols(value).length === 0;
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
