// TAB completion, pure: command names as qemu-io completes them, option letters, paths.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { complete, completePath } from '../../lib/cli/complete'
import { TempDir } from '../commands/helpers'

const tmp = new TempDir()
afterAll(() => tmp.remove())

describe('completion', () => {
  it('completes command names (not altnames), qemu-io table first', async () => {
    expect(await complete('rea')).toEqual([['read', 'readv'], 'rea'])
    expect(await complete('aio_')).toEqual([['aio_flush', 'aio_read', 'aio_write'], 'aio_'])
    expect(await complete('be')).toEqual([['bench'], 'be'])
    expect(await complete('zz')).toEqual([[], 'zz'])
  })

  it("lists a command's options after a lone dash", async () => {
    expect((await complete('read -'))[0]).toEqual(['-b', '-C', '-l', '-p', '-P', '-q', '-r', '-s', '-v'])
    expect((await complete('flush -'))[0]).toEqual([])
  })

  it('completes paths for open and write -s', async () => {
    mkdirSync(join(tmp.path, 'disks'))
    writeFileSync(join(tmp.path, 'disk.img'), '')
    const prefix = join(tmp.path, 'dis')
    expect(completePath(prefix)).toEqual([join(tmp.path, 'disk.img'), `${join(tmp.path, 'disks')}/`])
    expect((await complete(`open -r ${prefix}`))[0]).toHaveLength(2)
    expect((await complete(`write -s ${prefix}`))[0]).toHaveLength(2)
    expect((await complete(`open -t ${prefix}`))[0]).toEqual([])
    expect((await complete(`read ${prefix}`))[0]).toEqual([])
  })
})
