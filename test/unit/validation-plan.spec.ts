import 'reflect-metadata';
import { Exclude, Expose, plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import fc from 'fast-check';
import { planFor } from '../../src/common/http/validation-plan';

// DTOs with the kinds of rules the service's DTOs use (those import Nest, which jest cannot load).
class VerifyLike {
  @IsString() @MinLength(1) @MaxLength(20) key: string;
  @IsOptional() @IsString() @MaxLength(8) privilege?: string;
  @IsOptional() @IsString() @MaxLength(8) category?: string;
}

class ListLike {
  @IsOptional() @IsIn(['active', 'revoked']) status?: string;
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)) @IsInt() @Min(1) @Max(100) limit?: number;
  @IsOptional() @IsBoolean() active?: boolean;
  @IsOptional() @Matches(/^[a-z_]+$/) @MaxLength(10) name?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(3) tags?: string[];
  @ValidateIf((dto: ListLike) => dto.active === true) @IsEmail() email?: string;
}

class NestedChild {
  @IsString() name: string;
}
class WithNested {
  @ValidateNested() @Type(() => NestedChild) child: NestedChild;
}
class WithEach {
  @IsString({ each: true }) names: string[];
}
class WithDefined {
  @IsDefined() id: string;
}
class WithGroups {
  @IsString({ groups: ['create'] }) title: string;
}
@ValidatorConstraint({ async: true })
class AsyncRule implements ValidatorConstraintInterface {
  async validate(): Promise<boolean> {
    return true;
  }
}
class WithAsync {
  @Validate(AsyncRule) title: string;
}
class Empty {}

// Lengths as validator.js counts them: a surrogate pair counts once, a variation selector after a character not at all.
class Lengths {
  @IsString() @MinLength(2) @MaxLength(6) word: string;
}
// A custom rule registered under a built-in's name: the plan must not take it for MaxLength.
class SameNameOtherRule {
  @ValidateBy({ name: 'maxLength', constraints: [100], validator: { validate: (value: unknown) => value === 'only this' } }) word: string;
}

class WithArray {
  @IsOptional() @IsArray() @ArrayMaxSize(3) tags?: string[];
  @IsOptional() @IsString() name?: string;
}

// DTOs class-transformer does act on, each in one way: plainToInstance is the only way to build them.
class WithScalarType {
  @IsOptional() @Type(() => Number) @IsInt() limit?: number;
}
class WithExpose {
  @Expose({ name: 'other' }) @IsOptional() @IsString() name?: string;
}
class WithExclude {
  @Exclude({ toClassOnly: true }) @IsOptional() @IsString() secret?: string;
}
@Expose()
class ExposingAll {
  @IsOptional() @IsString() name?: string;
}
class WithAccessor {
  @IsOptional() @IsString() get label(): string | undefined {
    return 'fixed';
  }
}
class TransformingBase {
  @IsOptional() @Transform(({ value }) => String(value).trim()) @IsString() name?: string;
}
class InheritingTransform extends TransformingBase {
  @IsOptional() @IsString() other?: string;
}

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/** What ValidationPipe would decide for this plain value. */
function classValidatorPasses<T extends object>(metatype: new () => T, plain: object): boolean {
  return validateSync(plainToInstance(metatype, plain) as object, OPTIONS).length === 0;
}

function planPasses<T extends object>(metatype: new () => T, plain: object): boolean {
  const plan = planFor(metatype);
  if (!plan) throw new Error(`${metatype.name} has no plan`);
  return plan.passes(plainToInstance(metatype, plain) as object);
}

const anyValue = fc.oneof(
  fc.string({ maxLength: 25 }),
  fc.constantFrom('', 'active', 'revoked', 'run_jobs', 'a@b.co', 'not an email', '5', '500', '0', 'x'.repeat(21)),
  fc.integer({ min: -5, max: 200 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 5 }),
);

/** Strings around the length limits, with the characters validator.js does not count one for one. */
const countedString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc
    .array(fc.constantFrom('a', 'é', '\uFE0F', '\uFE0E', '\u{1F600}', '\uD800', '\uDC00', 'ab'), { maxLength: 9 })
    .map((parts) => parts.join('')),
);

function recordOf(keys: string[]) {
  return fc.dictionary(fc.constantFrom(...keys, 'unknown', 'constructor'), anyValue, { maxKeys: keys.length + 2 });
}

describe('validation plans', () => {
  it('pass exactly what class-validator passes, for simple DTOs', () => {
    const cases: [new () => object, string[]][] = [
      [VerifyLike, ['key', 'privilege', 'category']],
      [ListLike, ['status', 'limit', 'active', 'name', 'tags', 'email']],
    ];
    for (const [metatype, keys] of cases) {
      fc.assert(
        fc.property(recordOf(keys), (plain) => {
          expect(planPasses(metatype, plain)).toBe(classValidatorPasses(metatype, plain));
        }),
        { numRuns: 3000 },
      );
    }
  });

  it('count lengths as class-validator does: surrogate pairs, variation selectors, lone halves', () => {
    fc.assert(
      fc.property(countedString, (word) => {
        expect(planPasses(Lengths, { word })).toBe(classValidatorPasses(Lengths, { word }));
      }),
      { numRuns: 5000 },
    );
    // The boundaries, each way: 6 and 7 characters as validator.js counts them, 2 and 1.
    for (const word of ['\u{1F600}'.repeat(6), '\u{1F600}'.repeat(7), 'a\uFE0F'.repeat(6), 'a\uFE0F'.repeat(7), 'a\uFE0F'.repeat(2), 'a\uFE0F', '\uFE0F\uFE0F']) {
      expect([word, planPasses(Lengths, { word })]).toEqual([word, classValidatorPasses(Lengths, { word })]);
    }
  });

  it('take a custom rule under a built-in name for what it is', () => {
    expect(classValidatorPasses(SameNameOtherRule, { word: 'short' })).toBe(false);
    expect(planPasses(SameNameOtherRule, { word: 'short' })).toBe(false);
    expect(planPasses(SameNameOtherRule, { word: 'only this' })).toBe(true);
  });

  it('pass ordinary valid values, so the pipe takes the short way for them', () => {
    expect(planPasses(VerifyLike, { key: 'abc', privilege: 'run_jobs' })).toBe(true);
    expect(planPasses(ListLike, { limit: '50', status: 'active', tags: ['a'] })).toBe(true);
    expect(planPasses(ListLike, { active: true, email: 'a@b.co' })).toBe(true);
  });

  it('refuse what class-validator refuses: missing, too long, unknown, a failed condition', () => {
    expect(planPasses(VerifyLike, {})).toBe(false);
    expect(planPasses(VerifyLike, { key: 'x'.repeat(21) })).toBe(false);
    expect(planPasses(VerifyLike, { key: 'abc', extra: 1 })).toBe(false);
    expect(planPasses(ListLike, { active: true, email: 'nope' })).toBe(false);
    expect(planPasses(ListLike, { limit: '500' })).toBe(false);
  });

  it('are not made for rules they do not handle, which stay with class-validator', () => {
    for (const metatype of [WithNested, WithEach, WithDefined, WithGroups, Empty]) {
      expect(planFor(metatype)).toBeNull();
    }
  });

  it('leave an asynchronous rule to class-validator, which awaits it', () => {
    expect(planPasses(WithAsync, { title: 'x' })).toBe(false);
  });

  describe('build the DTO without class-transformer when it would only copy', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 25 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

    it('into the same object plainToInstance builds, for any of its own scalar or scalar-array properties', () => {
      const cases: [new () => object, string[]][] = [
        [VerifyLike, ['key', 'privilege', 'category']],
        [WithArray, ['tags', 'name']],
      ];
      for (const [metatype, keys] of cases) {
        const instantiate = planFor(metatype)?.instantiate;
        if (!instantiate) throw new Error(`${metatype.name} is built by plainToInstance only`);
        fc.assert(
          fc.property(fc.dictionary(fc.constantFrom(...keys), fc.oneof(scalar, fc.array(scalar, { maxLength: 4 })), { maxKeys: keys.length }), (plain) => {
            const built = instantiate(plain);
            expect(built).toBeInstanceOf(metatype);
            expect(built).toStrictEqual(plainToInstance(metatype, plain));
            expect(Object.keys(built)).toEqual(Object.keys(plainToInstance(metatype, plain) as object));
          }),
          { numRuns: 2000 },
        );
      }
    });

    it('a new object every time, never the value it was given, nor its arrays', () => {
      const plain = { key: 'abc' };
      const instantiate = planFor(VerifyLike)?.instantiate;
      const first = instantiate?.(plain);
      expect(first).not.toBe(plain);
      expect(instantiate?.(plain)).not.toBe(first);
      const tags = ['a', 'b'];
      const built = planFor(WithArray)?.instantiate?.({ tags }) as WithArray | undefined;
      expect(built?.tags).toEqual(tags);
      expect(built?.tags).not.toBe(tags);
    });

    // Each one way class-transformer would do more than copy: @Type, @Transform (also inherited), @Expose, @Exclude, an accessor.
    it.each([ListLike, WithScalarType, WithExpose, WithExclude, ExposingAll, WithAccessor, InheritingTransform].map((metatype) => [metatype.name, metatype]))(
      'and not for %s, which class-transformer acts on',
      (_name, metatype) => {
        const plan = planFor(metatype);
        expect(plan).not.toBeNull();
        expect(plan?.instantiate).toBeNull();
      },
    );
  });
});
