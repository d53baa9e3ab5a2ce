// fio's job-file format and option catalogue, pure: sections, comments, include, ${VAR},
// keywords and arithmetic, command-line globals, stonewalls between files, refusals by name
// with the line, warnings for options without effect on the I/O.
import { describe, expect, it } from 'vitest'
import { evalFioExpression } from '../../lib/bench/fio-expr'
import { jobsFromSections } from '../../lib/bench/fio-jobs'
import { groupIds, runGroups } from '../../lib/bench/job-set'
import { commandLineSections, type JobFileContext, parseJobFile } from '../../lib/bench/jobfile'
import { jobsOfCommandLine, splitJobFileArgs } from '../../lib/bench/jobfile-cli'

function ctxOf(files: Record<string, string>, env: Record<string, string> = {}): JobFileContext {
  return {
    read: (p) => {
      if (!(p in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
      return files[p]
    },
    exists: (p) => p in files,
    env,
    keywords: { pagesize: 4096, mb_memory: 2048, ncpus: 2 },
  }
}

const jobsOf = (text: string, env: Record<string, string> = {}, extra: Record<string, string> = {}) =>
  jobsFromSections(parseJobFile('/jobs/a.fio', ctxOf({ '/jobs/a.fio': text, ...extra }, env))).jobs

describe('job file reader', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: fio's ${VAR} syntax, not a template
  it('reads sections, comments (whole-line and trailing), bare booleans and ${VAR}', () => {
    const s = parseJobFile(
      '/jobs/a.fio',
      ctxOf(
        {
          '/jobs/a.fio':
            // biome-ignore lint/suspicious/noTemplateCurlyInString: fio's ${VAR} syntax, not a template
            '; comment\n# another\n[global]\nbs=4k ; trailing\nsize=${SZ}\n\n[job1]\n  rw = randread\ntime_based\n[job2]\nnumjobs=$ncpus\n',
        },
        { SZ: '1m' },
      ),
    )
    expect(s.map((x) => [x.name, x.global, x.line])).toEqual([
      ['global', true, 3],
      ['job1', false, 7],
      ['job2', false, 10],
    ])
    expect(s[0].options).toEqual([
      { file: '/jobs/a.fio', line: 4, name: 'bs', value: '4k' },
      { file: '/jobs/a.fio', line: 5, name: 'size', value: '1m' },
    ])
    expect(s[1].options.map((o) => [o.name, o.value])).toEqual([
      ['rw', 'randread'],
      ['time_based', undefined],
    ])
    expect(s[2].options[0].value).toBe('2')
  })

  // biome-ignore lint/suspicious/noTemplateCurlyInString: fio's ${VAR} syntax, not a template
  it('an unset ${VAR} is empty, as in fio', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: fio's ${VAR} syntax, not a template
    const s = parseJobFile('/a', ctxOf({ '/a': '[j]\nfilename=/dev/${NOPE}x\n' }))
    expect(s[0].options[0].value).toBe('/dev/x')
  })

  it('computes keyword arithmetic as bc does (integer division)', () => {
    const s = parseJobFile('/a', ctxOf({ '/a': '[j]\nnumjobs=$ncpus*2\nsize=$mb_memory/3\nbs=$pagesize\n' }))
    expect(s[0].options.map((o) => o.value)).toEqual(['4', '682', '4096'])
    expect(evalFioExpression('(1+1)*4096', 'x')).toBe(8192)
    expect(evalFioExpression('2^10-(3%2)', 'x')).toBe(1023)
    expect(() => evalFioExpression('1/0', 'a.fio:3')).toThrow('a.fio:3: cannot compute')
  })

  it('include: relative to the including file, options only', () => {
    const files = {
      '/jobs/a.fio': '[j]\ninclude common.fio\nrw=write\n',
      '/jobs/common.fio': 'bs=64k\n; c\n',
    }
    const s = parseJobFile('/jobs/a.fio', ctxOf(files))
    expect(s[0].options.map((o) => [o.name, o.value, o.file, o.line])).toEqual([
      ['bs', '64k', '/jobs/common.fio', 1],
      ['rw', 'write', '/jobs/a.fio', 3],
    ])
    const bad = { '/a': '[j]\ninclude /b\n', '/b': '[x]\n' }
    expect(() => parseJobFile('/a', ctxOf(bad))).toThrow('/b:1: no new sections in included files')
    expect(() => parseJobFile('/a', ctxOf({ '/a': '[j]\ninclude /none\n' }))).toThrow(
      "unable to open '/none' job file",
    )
  })

  it('refuses options outside a section, with the line', () => {
    expect(() => parseJobFile('/a', ctxOf({ '/a': '\nbs=4k\n[j]\n' }))).toThrow(
      '/a:2: option <bs=4k> outside of [] job section',
    )
  })
})

describe('jobs from sections', () => {
  it('globals apply to the jobs after them; the job overrides; name= wins over the section', () => {
    const jobs = jobsOf(
      '[global]\nrw=randread\nbs=8k\nfilename=/dev/x\n[a]\nbs=16k\n[global]\niodepth=4\n[b]\nname=bee\nioengine=io_uring\n',
    )
    expect(jobs.map((j) => j.name)).toEqual(['a', 'bee'])
    expect(jobs[0].options).toMatchObject({
      rw: 'randread',
      bs: 16384,
      filename: '/dev/x',
      engine: 'threads',
    })
    expect(jobs[0].options.iodepth).toBeUndefined()
    expect(jobs[1].options).toMatchObject({ bs: 8192, iodepth: 4, engine: 'io_uring' })
  })

  it("a [global] name= does not rename the jobs: each is named after its section, as fio's jobname", () => {
    // fio-rand-RW.fio says name=fio-rand-RW in [global]; fio reports the job as "file1".
    const jobs = jobsOf('[global]\nname=fio-rand-RW\nfilename=/dev/x\n[file1]\nbs=4k\n[two]\nname=renamed\n')
    expect(jobs.map((j) => j.name)).toEqual(['file1', 'renamed'])
    expect(jobs.map((j) => j.options.name)).toEqual(['file1', 'renamed'])
  })

  it("fio's default engine is psync, which caps the depth at 1 and says so", () => {
    const [j] = jobsOf('[j]\nfilename=/x\niodepth=16\n')
    expect(j.options).toMatchObject({ engine: 'threads', iodepth: 1 })
    expect(j.warnings.join('\n')).toContain('queue depth capped at 1, as fio does')
  })

  it("ioengine=libaio is rawio's libaio engine, at the job's depth; unknown engines are refused by name, with the line", () => {
    const [j] = jobsOf('[global]\nfilename=/x\n[j]\nioengine=libaio\niodepth=16\n')
    expect(j.options).toMatchObject({ engine: 'libaio', iodepth: 16 })
    expect(j.warnings).toEqual([])
    expect(() => jobsOf('[j]\nioengine=posixaio\n')).toThrow('/jobs/a.fio:2: [j] ioengine=posixaio refused')
  })

  it('refuses options that change the workload, by name and line; warns for those that do not', () => {
    expect(() => jobsOf('[j]\nfilename=/x\nverify=crc32c\n')).toThrow(
      "/jobs/a.fio:3: [j] fio's verify=crc32c is not implemented; rawio verifies with --verify=stamp",
    )
    expect(() => jobsOf('[j]\nzero_buffers\n')).toThrow('/jobs/a.fio:2: [j] zero_buffers refused')
    expect(() => jobsOf('[j]\nbogus_opt=3\n')).toThrow(
      '/jobs/a.fio:2: [j] bogus_opt: not an option rawio knows',
    )
    expect(() => jobsOf('[j]\nnrfiles=2\n')).toThrow('nrfiles=2 refused')
    expect(() => jobsOf('[j]\nrw=randtrimwrite\n')).toThrow("rw 'randtrimwrite' is not one of")
    const [j] = jobsOf('[j]\nfilename=/x\ndescription=hello\nthread\nnrfiles=1\nclocksource=clock_gettime\n')
    expect(j.warnings).toEqual([
      '/jobs/a.fio:3: [j] description=hello: accepted, no effect on the I/O (a description only)',
      '/jobs/a.fio:6: [j] clocksource=clock_gettime: accepted, no effect on the I/O (rawio times requests with CLOCK_MONOTONIC)',
    ])
  })

  it('converts fio names: buffered, timeout, sqthread_poll, readwrite, rwmix (the last wins), sync=dsync', () => {
    const [j] = jobsOf(
      '[j]\nfilename=/x\nbuffered=0\ntimeout=30\nreadwrite=randrw\nrwmixread=70\nrwmixwrite=40\nsync=dsync\nioengine=io_uring\nsqthread_poll=1\n',
    )
    expect(j.options).toMatchObject({
      direct: true,
      runtime: 30e9,
      rw: 'randrw',
      rwmixread: 60,
      fua: true,
      sqpoll: true,
    })
    expect(j.given).toMatchObject({ buffered: '0', timeout: '30', readwrite: 'randrw' })
  })

  it('bs=R,W takes the value of the direction the job uses; bssplit beats bs', () => {
    expect(jobsOf('[j]\nrw=write\nbs=4k,64k\n')[0].options).toMatchObject({ bs: 4096, bs_write: 65536 })
    expect(jobsOf('[j]\nrw=randrw\nbs=4k,64k\n')[0].options).toMatchObject({ bs: 4096, bs_write: 65536 })
    expect(jobsOf('[j]\nrw=trim\nbs=4k,64k,1m\n')[0].options).toMatchObject({ bs: 1048576 })
    expect(jobsOf('[j]\nrw=write\nbs=64k\n')[0].options.bs_write).toBeUndefined()
    expect(jobsOf('[j]\nrw=read\nbs=4k,64k\n')[0].options.bs).toBe(4096)
    expect(jobsOf('[j]\nrw=read\nbs=,64k\n')[0].options.bs).toBeUndefined() // fio's default, 4k
    expect(jobsOf('[j]\nrw=read\nbsrange=8k-8k\n')[0].options.bs).toBe(8192)
    const split = jobsOf('[global]\nbs=4k\n[j]\nbssplit=4k/50:8k/50\n')[0].options
    expect(split.bs).toBeUndefined()
    expect(split.bssplit).toEqual([
      [4096, 50],
      [8192, 50],
    ])
  })

  it('workload shapes: rw modifiers, distributions, rates, thinktime (µs), startdelay, loops', () => {
    const [j] = jobsOf(
      '[j]\nrw=read:-8k\nthinktime=500\nthinktime_blocks=4\nstartdelay=2\nloops=3\nrate=1m\nrandrepeat=0\n',
    )
    expect(j.options).toMatchObject({
      rw: 'read',
      rw_modifier: -8192,
      thinktime: 500e3,
      thinktime_blocks: 4,
      startdelay: 2e9,
      loops: 3,
      rate: 2 ** 20,
      randrepeat: false,
    })
    expect(jobsOf('[j]\nrw=randread:8\n')[0].options.rw_modifier).toBe(8)
    expect(jobsOf('[j]\nrw=randread\nrandom_distribution=zipf:0.5\n')[0].options.random_distribution).toEqual(
      {
        kind: 'zipf',
        param: 0.5,
      },
    )
    expect(
      jobsOf('[j]\nrw=randread\nrandom_distribution=zoned:50/5:30/15:20/\n')[0].options.random_distribution,
    ).toEqual({
      kind: 'zoned',
      zones: [
        [50, 5],
        [30, 15],
        [20, 80],
      ],
    })
    expect(jobsOf('[j]\nrw=randread\nrandom_distribution=pareto\n')[0].options.random_distribution).toEqual({
      kind: 'pareto',
      param: 0.2,
    })
    expect(jobsOf('[j]\nrw=read\nrate_iops=100,5\n')[0].options.rate_iops).toBe(100)
    expect(jobsOf('[j]\nrw=write\nrate_iops=100,5\n')[0].options.rate_iops).toBe(5)
    expect(() => jobsOf('[j]\nrw=randrw\nrate=1m\n')).toThrow(
      '/jobs/a.fio:1: [j] rate=1m,1m,1m in a mixed job: fio caps reads and writes separately',
    )
    expect(() => jobsOf('[j]\nrandom_distribution=zipf:1\n')).toThrow('zipf theta must be different from 1.0')
    expect(() => jobsOf('[j]\nrandom_distribution=zoned:50/5:30/15\n')).toThrow('add up to 80, not 100')
  })

  it('directory joins a relative filename; filename lists are refused', () => {
    expect(jobsOf('[j]\ndirectory=/mnt/\nfilename=f\n')[0].options.filename).toBe('/mnt/f')
    expect(() => jobsOf('[j]\ndirectory=/mnt\n')).toThrow('directory=/mnt without filename=')
    expect(() => jobsOf('[j]\nfilename=/a:/b\n')).toThrow('filename lists (a:b) are not implemented')
    expect(jobsOf('[j]\nfilename=/a\\:b\n')[0].options.filename).toBe('/a:b')
  })

  it('stonewall, wait_for_previous and new_group make groups as fio does', () => {
    const jobs = jobsOf('[a]\n[b]\n[c]\nstonewall\n[d]\nnew_group\n[e]\nwait_for_previous\n')
    expect(runGroups(jobs).map((g) => g.map((j) => j.name))).toEqual([['a', 'b'], ['c', 'd'], ['e']])
    expect(groupIds(jobs)).toEqual([0, 0, 1, 2, 3])
  })
})

describe('command line with job files', () => {
  it('options before --name are globals the files override; --name starts a job; files are stonewalled', () => {
    const files = {
      '/a.fio': '[global]\nrw=randread\n[fa]\nbs=8k\n',
      '/b.fio': '[fb]\n',
    }
    const split = splitJobFileArgs([])
    split.jobFiles = ['/a.fio', '/b.fio']
    split.options = [
      { name: 'rw', value: 'write' },
      { name: 'filename', value: '/dev/x' },
      { name: 'name', value: 'cli' },
      { name: 'bs', value: '16k' },
    ]
    const jobs = jobsOfCommandLine(split, ctxOf(files))
    expect(jobs.map((j) => [j.name, j.stonewall, j.options.rw, j.options.bs, j.options.filename])).toEqual([
      ['cli', false, 'write', 16384, '/dev/x'],
      ['fa', true, 'randread', 8192, '/dev/x'],
      ['fb', true, 'randread', undefined, '/dev/x'],
    ])
  })

  it('command-line sections: --name=global stays global', () => {
    const s = commandLineSections(
      [
        { name: 'name', value: 'global' },
        { name: 'bs', value: '8k' },
      ],
      ctxOf({}),
    )
    expect(s.map((x) => [x.name, x.global, x.options.length])).toEqual([
      ['global', true, 0],
      ['global', true, 1],
    ])
  })
})
