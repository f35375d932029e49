import { join } from 'node:path';
import ts from 'typescript';

const repoRoot = join(__dirname, '..', '..');

/** One property of an interface or class, as TypeScript sees it. */
export interface PropertyShape {
  readonly name: string;
  readonly optional: boolean;
  /** The string literals the property's type allows (ignoring null/undefined), or [] for an open type. */
  readonly literals: readonly string[];
}

/**
 * Reads types that exist only at compile time (union-of-literal catalogues, message interfaces)
 * out of the sources with the TypeScript checker, so documents can be compared with them.
 */
export class TypeShapes {
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;

  /** `files` are relative to the repository root; their imports are followed as the compiler would. */
  constructor(files: readonly string[]) {
    const config = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
    this.program = ts.createProgram(
      files.map((file) => join(repoRoot, file)),
      { ...options, noEmit: true },
    );
    this.checker = this.program.getTypeChecker();
  }

  /** The members of a union of string literals, e.g. `type Code = 'a' | 'b'` → ['a', 'b'] (sorted). */
  stringLiterals(file: string, typeName: string): string[] {
    return literalsOf(this.declaredType(file, typeName));
  }

  /** The properties of an interface or class (inherited ones included), in declaration order. */
  properties(file: string, typeName: string): PropertyShape[] {
    return this.propertiesOfType(this.declaredType(file, typeName));
  }

  /** The properties of each member of a union of interfaces, e.g. `type Event = A | B` → [A's, B's]. */
  variants(file: string, typeName: string): PropertyShape[][] {
    const type = this.declaredType(file, typeName);
    return (type.isUnion() ? type.types : [type]).map((member) => this.propertiesOfType(member));
  }

  private propertiesOfType(type: ts.Type): PropertyShape[] {
    return this.checker.getPropertiesOfType(type).map((symbol) => ({
      name: symbol.getName(),
      optional: (symbol.getFlags() & ts.SymbolFlags.Optional) !== 0,
      literals: literalsOf(this.checker.getNonNullableType(this.checker.getTypeOfSymbol(symbol))),
    }));
  }

  private declaredType(file: string, typeName: string): ts.Type {
    const source = this.program.getSourceFile(join(repoRoot, file));
    if (!source) throw new Error(`${file} is not part of the program`);
    const module = this.checker.getSymbolAtLocation(source);
    const symbol = module && this.checker.getExportsOfModule(module).find((item) => item.name === typeName);
    if (!symbol) throw new Error(`${file} does not export ${typeName}`);
    return this.checker.getDeclaredTypeOfSymbol(
      symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol,
    );
  }
}

function literalsOf(type: ts.Type): string[] {
  const members = type.isUnion() ? type.types : [type];
  return members.every((member) => member.isStringLiteral())
    ? members.map((member) => member.value).sort()
    : [];
}
