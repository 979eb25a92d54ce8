import { getMetadataStorage } from 'class-validator';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; type?: string; $ref?: string };

interface Rule {
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
  target: unknown;
}

/**
 * The limits the request validators enforce (class-validator decorators), written into the
 * OpenAPI schemas of the same DTO classes: maxLength, maxItems, enum, format, pattern, bounds.
 * Without the Nest CLI plugin @nestjs/swagger does not read them, and a client (or a linter)
 * would see unbounded strings and arrays that the service in fact refuses.
 */
export function applyValidationLimits(schemas: Record<string, Schema>): void {
  const rulesByClass = new Map<string, Rule[]>();
  // Public API of class-validator's storage: every registered rule, grouped by target class.
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, Rule[]> };
  for (const [target, rules] of storage.validationMetadatas) {
    if (typeof target === 'function' && target.name) rulesByClass.set(target.name, [...(rulesByClass.get(target.name) ?? []), ...rules]);
  }
  for (const [name, schema] of Object.entries(schemas)) {
    // Inherited rules (a DTO extending CursorQueryDto) apply too.
    const rules = collectRules(name, rulesByClass, schemas);
    for (const rule of rules) {
      const property = schema.properties?.[rule.propertyName];
      // A schema with alternatives (oneOf) states its own limits per alternative.
      if (!property || property.$ref || property.oneOf) continue;
      const target = rule.each && property.type === 'array' && property.items && !property.items.$ref ? property.items : property;
      applyRule(target, rule);
    }
  }
}

/**
 * Query parameters: @nestjs/swagger spreads a query DTO into one parameter per property, without
 * naming the class. A rule is applied to a parameter when every DTO with a property of that name
 * states it the same way, so the document never claims a limit one route does not enforce.
 */
export function applyValidationLimitsToParameters(paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema?: Schema }> }>>): void {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, Rule[]> };
  const byProperty = new Map<string, Map<string, Set<string>>>();
  const all: Rule[] = [];
  for (const rules of storage.validationMetadatas.values()) {
    for (const rule of rules) {
      if (!rule.name) continue;
      all.push(rule);
      const names = byProperty.get(rule.propertyName) ?? new Map<string, Set<string>>();
      names.set(rule.name, (names.get(rule.name) ?? new Set()).add(JSON.stringify(rule.constraints ?? [], (_, value) => (value instanceof RegExp ? value.source : value))));
      byProperty.set(rule.propertyName, names);
    }
  }
  for (const [path, methods] of Object.entries(paths)) {
    for (const operation of Object.values(methods)) {
      for (const parameter of operation?.parameters ?? []) {
        if (!parameter.schema) continue;
        if (parameter.in === 'path' && path.startsWith('/api/v2/')) {
          // Every v2 id is a UUID; anything else is answered as not found.
          Object.assign(parameter.schema, { format: 'uuid', maxLength: 36 });
          continue;
        }
        if (parameter.in !== 'query') continue;
        const agreed = byProperty.get(parameter.name);
        for (const rule of all) {
          if (rule.propertyName === parameter.name && rule.name && agreed?.get(rule.name)?.size === 1) applyRule(parameter.schema, rule);
        }
      }
    }
  }
}

function collectRules(name: string, rulesByClass: Map<string, Rule[]>, schemas: Record<string, Schema>): Rule[] {
  const own = rulesByClass.get(name) ?? [];
  const ctor = own[0]?.target as { prototype?: object } | undefined;
  if (!ctor) return own;
  const inherited: Rule[] = [];
  for (const [className, rules] of rulesByClass) {
    const parent = rules[0]?.target as ((...args: unknown[]) => unknown) | undefined;
    if (className !== name && parent && ctor.prototype instanceof parent && !(className in schemas && className === name)) inherited.push(...rules);
  }
  return [...inherited, ...own];
}

function applyRule(schema: Schema, rule: Rule): void {
  const [first, second] = rule.constraints ?? [];
  switch (rule.name) {
    case 'maxLength':
      schema.maxLength = first;
      break;
    case 'minLength':
      schema.minLength = first;
      break;
    case 'length':
      schema.minLength = first;
      if (second !== undefined) schema.maxLength = second;
      break;
    case 'arrayMaxSize':
      schema.maxItems = first;
      break;
    case 'arrayMinSize':
      schema.minItems = first;
      break;
    case 'isIn':
      if (Array.isArray(first) && schema.enum === undefined) schema.enum = first;
      break;
    case 'isUuid':
      schema.format = 'uuid';
      schema.maxLength ??= 36;
      break;
    case 'isEmail':
      schema.format = 'email';
      break;
    case 'isUrl':
      schema.format = 'uri';
      break;
    case 'matches':
      if (first instanceof RegExp) schema.pattern = first.source;
      break;
    case 'max':
      schema.maximum = first;
      break;
    case 'min':
      schema.minimum = first;
      break;
    case 'isIso8601':
    case 'isDateString':
      // An ISO 8601 date-time is at most 35 characters: a bound the validator implies.
      schema.format ??= 'date-time';
      schema.maxLength ??= 64;
      break;
    case 'isInt':
      schema.format ??= 'int32';
      break;
    default:
      break;
  }
}
