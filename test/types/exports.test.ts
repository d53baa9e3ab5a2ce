// Every type that the public API's signatures use is exported from the package root, so a user can
// name it (`import type { X } from 'rawio'`). The TypeScript checker walks each root export:
// functions' parameters and results, classes' public members, interfaces' and aliases' shapes,
// recursively, and lists the named types declared in lib/ that the root does not export.
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')
const INDEX = join(ROOT, 'lib/index.ts')

function missingExports(): string[] {
  const program = ts.createProgram([INDEX], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(INDEX)
  if (!source) throw new Error('lib/index.ts not found')
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (!moduleSymbol) throw new Error('lib/index.ts is not a module')
  const resolveAlias = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)
  const exported = new Set(checker.getExportsOfModule(moduleSymbol).map(resolveAlias))
  const inLib = (s: ts.Symbol) =>
    (s.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(join(ROOT, 'lib')))
  const named =
    ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.Enum | ts.SymbolFlags.TypeAlias
  const missing = new Map<string, string>()
  const seen = new Set<ts.Type>()
  const seenSymbols = new Set<ts.Symbol>()

  const visitSymbol = (s: ts.Symbol, where: string) => {
    if (s.flags & named && inLib(s) && !exported.has(s) && !missing.has(s.getName()))
      missing.set(s.getName(), where)
  }
  const visitSignature = (sig: ts.Signature, where: string) => {
    for (const p of sig.getParameters()) visitType(checker.getTypeOfSymbol(p), `${where}(${p.getName()})`)
    visitType(sig.getReturnType(), `${where} result`)
  }
  const visitMembers = (t: ts.Type, where: string) => {
    for (const p of t.getProperties()) {
      const decl = p.valueDeclaration ?? p.declarations?.[0]
      if (
        decl &&
        ts.getCombinedModifierFlags(decl as ts.Declaration) &
          (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)
      )
        continue
      if (p.getName().startsWith('#') || p.getName().startsWith('__')) continue
      visitType(checker.getTypeOfSymbol(p), `${where}.${p.getName()}`)
    }
    for (const sig of t.getCallSignatures()) visitSignature(sig, where)
    for (const sig of t.getConstructSignatures()) visitSignature(sig, `new ${where}`)
  }
  function visitType(t: ts.Type, where: string): void {
    if (seen.has(t)) return
    seen.add(t)
    if (t.aliasSymbol) {
      visitSymbol(t.aliasSymbol, where)
      for (const a of t.aliasTypeArguments ?? []) visitType(a, where)
    }
    if (t.isUnionOrIntersection()) for (const m of t.types) visitType(m, where)
    const s = t.getSymbol()
    if (s && s.flags & named) {
      visitSymbol(s, where)
      if (!inLib(s)) return // Node's and the language's own types: not ours to export
      if (!seenSymbols.has(s)) {
        seenSymbols.add(s)
        visitMembers(t, s.getName())
      }
    } else if (t.flags & ts.TypeFlags.Object) {
      visitMembers(t, where)
    }
    for (const a of checker.getTypeArguments(t as ts.TypeReference) ?? []) visitType(a, where)
  }

  for (const s of exported) {
    const where = s.getName()
    if (s.flags & ts.SymbolFlags.Class) {
      const decl = s.valueDeclaration
      if (decl) visitMembers(checker.getTypeOfSymbolAtLocation(s, decl), where) // statics, constructor
      visitMembers(checker.getDeclaredTypeOfSymbol(s), where) // instance side
    } else if (s.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      visitType(checker.getDeclaredTypeOfSymbol(s), where)
    } else if (s.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
      const decl = s.valueDeclaration
      if (decl) visitType(checker.getTypeOfSymbolAtLocation(s, decl), where)
    }
  }
  return [...missing].map(([name, where]) => `${name} (used by ${where})`).sort()
}

describe('the package root', () => {
  it('exports every type its public signatures use', () => {
    expect(missingExports()).toEqual([])
  }, 60_000)
})
