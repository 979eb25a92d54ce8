import { TransformationType } from 'class-transformer';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, ValidationArguments, ValidationTypes } from 'class-validator';
import type { ConstraintMetadata } from 'class-validator/types/metadata/ConstraintMetadata';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/**
 * A DTO's class-validator rules, read once, to answer "would class-validator find nothing wrong?"
 * without running it.
 *
 * class-validator looks a class's rules up again on every call (scanning every registered class
 * for inherited ones) and builds an error object for every property, also when all pass. On the
 * verify route that was about a fifth of the server's time. A plan calls the same constraint
 * functions in the same order on the same transformed object, so it passes exactly what
 * class-validator passes. It only ever says "passes": when it cannot tell, or something fails, the
 * pipe runs class-validator as before, and every error message still comes from class-validator.
 *
 * A DTO has a plan only when all its rules are plain synchronous ones: constraints (IsString,
 * MaxLength, Matches, custom validators...) without `each`, and conditions (IsOptional,
 * ValidateIf). Nested objects, IsDefined, promise validation and groups are left to
 * class-validator (planFor answers null).
 */
export interface ValidationPlan {
  /** The DTO's property names: a value with any other own property is not for the plan. */
  readonly properties: ReadonlySet<string>;
  /** True only when class-validator (whitelist, no groups) would report no error for `entity`. */
  passes(entity: object): boolean;
  /**
   * What class-transformer's `plainToInstance(metatype, value)` (no options) builds, for a value
   * whose own properties are all the DTO's, each a scalar or an array of scalars; null when the DTO
   * has anything class-transformer would act on (see `directInstance`): then only it will do.
   */
  readonly instantiate: ((value: Record<string, unknown>) => object) | null;
}

/** class-transformer's registry of its decorators (the instance plainToInstance reads; its index does not export it). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage }: { defaultMetadataStorage: MetadataStorage } = require('class-transformer/cjs/storage');

interface PropertyRules {
  name: string;
  conditions: ValidationMetadata[];
  constraints: ConstraintRules[];
}

interface ConstraintRules {
  metadata: ValidationMetadata;
  validators: ConstraintMetadata[];
  /** True only where the constraint surely passes (see SHORTCUTS); otherwise its validators decide. */
  surelyPasses?: (value: unknown) => boolean;
}

/**
 * validator.js counts a string's length (class-validator's MinLength and MaxLength) as its
 * `length` less one per variation selector (U+FE0E, U+FE0F) after another character and one per
 * surrogate pair: never more than `length`, and exactly `length` without these characters.
 */
const NOT_COUNTED_ALONE = /[\uD800-\uDFFF\uFE0E\uFE0F]/;

/**
 * Exact shortcuts for class-validator's commonest built-in constraints, by their registered
 * names: each answers true only where the constraint's validator would (a string, short enough,
 * long enough), without its call and its arguments object; anything else goes to the validator.
 * On the verify route the two length checks (two global regular-expression matches each) were
 * most of the plan's time.
 */
const SHORTCUTS: Record<string, (constraints: unknown[]) => ((value: unknown) => boolean) | undefined> = {
  isString: () => (value) => typeof value === 'string',
  maxLength: ([max]) => (typeof max === 'number' ? (value) => typeof value === 'string' && value.length <= max : undefined),
  minLength: ([min]) =>
    typeof min === 'number' ? (value) => typeof value === 'string' && value.length >= min && !NOT_COUNTED_ALONE.test(value) : undefined,
};

/** Values on which a shortcut and the validator it stands for must agree before the plan uses it. */
const SHORTCUT_PROBES: unknown[] = ['', 'a', 'key', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(4096), 'é', '\u{1F600}', 'a\uFE0F', 42, null, undefined, ['a'], {}];

/**
 * The shortcut for a constraint with one of SHORTCUTS' names, if its validator agrees with it on
 * every probe the shortcut passes: a custom validator registered under the same name with other
 * rules gets none.
 */
function shortcutFor(metadata: ValidationMetadata, validators: ConstraintMetadata[], targetName: string): ((value: unknown) => boolean) | undefined {
  const make = metadata.name === undefined ? undefined : SHORTCUTS[metadata.name];
  const shortcut = validators.length === 1 && Array.isArray(metadata.constraints) ? make?.(metadata.constraints) : undefined;
  if (!shortcut) return undefined;
  const probe = (value: unknown) => {
    const args: ValidationArguments = { targetName, property: metadata.propertyName, object: {}, value, constraints: metadata.constraints };
    return validators[0].instance.validate(value, args) === true;
  };
  return SHORTCUT_PROBES.every((value) => !shortcut(value) || probe(value)) ? shortcut : undefined;
}

const plans = new WeakMap<object, ValidationPlan | null>();

export function planFor(metatype: abstract new (...args: never[]) => unknown): ValidationPlan | null {
  let plan = plans.get(metatype);
  if (plan === undefined) {
    plan = buildPlan(metatype);
    plans.set(metatype, plan);
  }
  return plan;
}

function buildPlan(metatype: abstract new (...args: never[]) => unknown): ValidationPlan | null {
  const storage = getMetadataStorage();
  // The arguments class-validator's executor passes when no groups are given.
  const rules = storage.getTargetValidationMetadatas(metatype as never, '', false, false, undefined as never);
  if (rules.length === 0) return null;
  const byProperty = new Map<string, PropertyRules>();
  const targetName = metatype.name;
  for (const rule of rules) {
    if (rule.groups?.length || rule.always !== undefined || rule.each) return null;
    let property = byProperty.get(rule.propertyName);
    if (!property) {
      property = { name: rule.propertyName, conditions: [], constraints: [] };
      byProperty.set(rule.propertyName, property);
    }
    if (rule.type === ValidationTypes.CONDITIONAL_VALIDATION) property.conditions.push(rule);
    else if (rule.type === ValidationTypes.CUSTOM_VALIDATION) {
      const validators = storage.getTargetValidatorConstraints(rule.constraintCls);
      property.constraints.push({ metadata: rule, validators, surelyPasses: shortcutFor(rule, validators, targetName) });
    } else return null;
  }
  const properties = [...byProperty.values()];
  return {
    properties: new Set(byProperty.keys()),
    instantiate: directInstance(metatype, [...byProperty.keys()]),
    passes(entity: object): boolean {
      for (const key of Object.keys(entity)) if (!byProperty.has(key)) return false;
      for (const property of properties) if (!propertyPasses(entity, property, targetName)) return false;
      return true;
    },
  };
}

/** `targetName`: the DTO's name, what class-validator passes as `entity.constructor.name`. */
function propertyPasses(entity: object, property: PropertyRules, targetName: string): boolean {
  const value: unknown = (entity as Record<string, unknown>)[property.name];
  for (const condition of property.conditions) {
    const applies = (condition.constraints[0] as (object: object, value: unknown) => boolean)(entity, value);
    if (!applies) return true;
  }
  for (const { metadata, validators, surelyPasses } of property.constraints) {
    if (metadata.validateIf && !metadata.validateIf(entity, value)) continue;
    if (surelyPasses?.(value)) continue;
    for (const validator of validators) {
      const args: ValidationArguments = {
        targetName,
        property: property.name,
        object: entity,
        value,
        constraints: metadata.constraints,
      };
      const valid: unknown = validator.instance.validate(value, args);
      // A promise (an async validator) is class-validator's to await.
      if (!valid || typeof (valid as PromiseLike<unknown>).then === 'function') return false;
    }
  }
  return true;
}

/**
 * plainToInstance without class-transformer, for a DTO it would only copy into: on the verify route
 * it cost more than the validation itself. For such a DTO, given a plain object of its own
 * properties (scalars or arrays of scalars), class-transformer (no options) makes `new metatype()`
 * and assigns each property in the value's key order: a scalar as it is, an array as a copy. It
 * does more only where it has metadata (@Type, @Transform, @Expose, @Exclude, on the class or a
 * property, inherited ones included) or where the class has a method or accessor of that name
 * (which it skips): then this answers null.
 */
function directInstance(metatype: abstract new (...args: never[]) => unknown, properties: string[]): ((value: Record<string, unknown>) => object) | null {
  const storage = defaultMetadataStorage;
  // Every @Expose and @Exclude of the class and its ancestors, on the class or on a property.
  if (storage.getStrategy(metatype) !== 'none' || storage.getExposedMetadatas(metatype).length > 0 || storage.getExcludedMetadatas(metatype).length > 0) {
    return null;
  }
  for (const property of properties) {
    const transforms = [TransformationType.PLAIN_TO_CLASS, TransformationType.CLASS_TO_CLASS, TransformationType.CLASS_TO_PLAIN].some(
      (type) => storage.findTransformMetadatas(metatype, property, type).length > 0,
    );
    if (transforms || storage.findTypeMetadata(metatype, property)) return null;
  }
  const Dto = metatype as unknown as new () => Record<string, unknown>;
  let sample: Record<string, unknown>;
  try {
    sample = new Dto();
  } catch {
    return null;
  }
  for (const property of properties) {
    if (Object.getOwnPropertyDescriptor(Dto.prototype, property) || sample[property] instanceof Function) return null;
  }
  return (value) => {
    const entity = new Dto();
    for (const key of Object.keys(value)) {
      const field = value[key];
      entity[key] = Array.isArray(field) ? [...field] : field;
    }
    return entity;
  };
}
