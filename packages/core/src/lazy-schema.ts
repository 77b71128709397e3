/**
 * A schema (or any object) built the first time it is used rather than when its module loads:
 * a command that never validates a task does not pay for building the task schemas, which are
 * imported by nearly everything. The returned object stands for the built one: property reads,
 * method calls, `in` and `instanceof` reach the built object.
 *
 * Invariant: `build` runs at most once, and never before the first use. One difference to know:
 * the stand-in is a different object from the built one, so a registry keyed by object identity
 * (zod's metadata registry) finds what was registered on the built schema only through a method
 * called on the stand-in, never when the stand-in itself is the key.
 */
export function lazySchema<Built extends object>(build: () => Built): Built {
  let built: Built | undefined;
  const target = (): Built => {
    built ??= build();
    return built;
  };
  return new Proxy({} as Built, {
    get: (_stand, key) => Reflect.get(target(), key),
    set: (_stand, key, value) => Reflect.set(target(), key, value),
    has: (_stand, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_stand, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      // A proxy may only call a property non-configurable if its own target has it so: the
      // stand-in's target is empty, so every property is reported as configurable.
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
    defineProperty: (_stand, key, descriptor) => Reflect.defineProperty(target(), key, descriptor),
    deleteProperty: (_stand, key) => Reflect.deleteProperty(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
}
