#!/usr/bin/env node
// Compiles lib/ into dist/ as `tsc -p tsconfig.build.json` does, with one change to the output: a
// dynamic import() becomes require() in a promise, as TypeScript's `module: commonjs` emits it.
// Under `module: node16` (tsconfig.build.json says why we keep it) TypeScript keeps import() in a
// CommonJS file, so every lazily loaded command or layer goes through Node's ESM loader, and its
// start-up cost (some 7 ms of CPU) lands on every `rawio -c` run; dist/ is CommonJS only, so
// require() loads the very same module. Plain `tsc -p tsconfig.build.json` output works too, only
// more slowly. Exit status 1 on any compile error (after emitting, as tsc does).
//   node scripts/build-lib.js

const path = require('node:path')
const ts = require('typescript')

const CONFIG = path.join(__dirname, '..', 'tsconfig.build.json')

/** import(x) -> Promise.resolve().then(() => require(x)); x is evaluated where import() did. */
function importToRequire(context) {
  const f = context.factory
  const requireOf = (arg) => f.createCallExpression(f.createIdentifier('require'), undefined, [arg])
  const arrow = (params, body) =>
    f.createArrowFunction(undefined, undefined, params, undefined, undefined, body)
  const visit = (node) => {
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length === 1
    ) {
      const arg = ts.visitNode(node.arguments[0], visit)
      const literal = ts.isStringLiteralLike(arg)
      const resolved = f.createCallExpression(
        f.createPropertyAccessExpression(f.createIdentifier('Promise'), 'resolve'),
        undefined,
        literal ? [] : [arg],
      )
      const spec = f.createIdentifier('specifier')
      const load = literal
        ? arrow([], requireOf(arg))
        : arrow([f.createParameterDeclaration(undefined, undefined, spec)], requireOf(spec))
      return f.createCallExpression(f.createPropertyAccessExpression(resolved, 'then'), undefined, [load])
    }
    return ts.visitEachChild(node, visit, context)
  }
  return (file) => ts.visitNode(file, visit)
}

function main() {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report([d]) }
  const parsed = ts.getParsedCommandLineOfConfigFile(CONFIG, {}, host)
  if (!parsed) return 1
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })
  const emitted = program.emit(undefined, undefined, undefined, false, { before: [importToRequire] })
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]
  report(diagnostics)
  return diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error) || emitted.emitSkipped ? 1 : 0
}

function report(diagnostics) {
  if (diagnostics.length === 0) return
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: ts.sys.getCurrentDirectory,
    getNewLine: () => ts.sys.newLine,
  }
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host))
}

module.exports = { importToRequire }

if (require.main === module) process.exitCode = main()
