// Both tsconfig files name module and moduleResolution node16 (or nodenext): what TypeScript 5
// recommends for Node and what TypeScript 7 keeps (it removes node10, which `module: commonjs`
// implied), while the package's output stays CommonJS (package.json has no "type").
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(__dirname, '../..')
const nodeModules = [ts.ModuleKind.Node16, ts.ModuleKind.NodeNext]
const nodeResolution = [ts.ModuleResolutionKind.Node16, ts.ModuleResolutionKind.NodeNext]

function parsed(name: string): ts.ParsedCommandLine {
  const file = join(root, name)
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile)
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
  return ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, file)
}

describe('tsconfig', () => {
  it.each(['tsconfig.json', 'tsconfig.build.json'])(
    '%s: module and moduleResolution node16/nodenext, named',
    (name) => {
      const { options, errors } = parsed(name)
      expect(errors).toEqual([])
      expect(nodeModules).toContain(options.module)
      expect(nodeResolution).toContain(options.moduleResolution)
    },
  )

  it('tsconfig.build.json emits CommonJS: the package has no "type", lib/ files are CommonJS modules', () => {
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).type).toBeUndefined()
    const { options } = parsed('tsconfig.build.json')
    const host = ts.createCompilerHost(options)
    const file = join(root, 'lib/index.ts')
    expect(ts.getImpliedNodeFormatForFile(file as ts.Path, undefined, host, options)).toBe(
      ts.ModuleKind.CommonJS,
    )
    const out = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file })
    expect(out.outputText).toMatch(/Object\.defineProperty\(exports, "__esModule"/)
  })
})
