import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
/** One rule as class-validator stores it (its type is not exported from the package root). */
type ValidationMetadata = ReturnType<Lookup>[number];

let installed = false;

/**
 * Remembers class-validator's answer to "which rules apply to this DTO class".
 *
 * `getTargetValidationMetadatas` filters the rules of every decorated class in the process on
 * each `validate()` call, to find the target's inherited ones (typestack/class-validator#2686,
 * open): on every REST request, for a result that only changes when a decorator registers a new
 * rule. The answer is kept per target class (a WeakMap, so a class that goes away takes its
 * entry along) and per option set, and everything is forgotten whenever a rule is registered.
 * Callers only read the array, as class-validator's own executor does. Idempotent: the storage
 * is one per process.
 */
export function cacheValidationMetadata(): void {
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage();
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const register = storage.addValidationMetadata.bind(storage);
  let answers = new WeakMap<object, Map<string, ValidationMetadata[]>>();

  storage.addValidationMetadata = (metadata) => {
    answers = new WeakMap();
    register(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0000') ?? ''}`;
    let forTarget = answers.get(target);
    if (!forTarget) answers.set(target, (forTarget = new Map<string, ValidationMetadata[]>()));
    let answer = forTarget.get(key);
    if (!answer) forTarget.set(key, (answer = lookup(target, schema, always, strictGroups, groups)));
    return answer;
  };
}
