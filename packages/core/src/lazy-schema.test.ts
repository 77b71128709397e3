import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { lazySchema } from './lazy-schema.js';

describe('lazySchema', () => {
  it('builds the schema on first use, once', () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds += 1;
      return z.object({ name: z.string().min(1) });
    });
    expect(builds).toBe(0);
    expect(schema.parse({ name: 'a' })).toEqual({ name: 'a' });
    expect(schema.safeParse({ name: '' }).success).toBe(false);
    expect(builds).toBe(1);
  });

  it('stands for the built schema: instanceof, methods, composition, JSON Schema', () => {
    const eager = z.object({ id: z.string().describe('The id.'), count: z.number().int().nonnegative() }).strict();
    const lazy = lazySchema(() => z.object({ id: z.string().describe('The id.'), count: z.number().int().nonnegative() }).strict());
    expect(lazy instanceof z.ZodObject).toBe(true);
    expect(Object.keys(lazy.shape)).toEqual(['id', 'count']);
    expect(lazy.extend({ extra: z.boolean() }).parse({ id: 'x', count: 1, extra: true })).toEqual({ id: 'x', count: 1, extra: true });
    expect(() => z.array(lazy).parse([{ id: 'x', count: -1 }])).toThrow();
    expect(z.toJSONSchema(z.object({ item: lazy }))).toEqual(z.toJSONSchema(z.object({ item: eager })));
  });
});
