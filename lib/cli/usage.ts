// `rawio -h`: qemu-io's text, adapted to what rawio is (`-V` is lib/cli/version.ts).

export function usageText(prog = 'rawio'): string {
  return `Usage: ${prog} [OPTIONS]... [-c STRING]... [file]
       ${prog} bench [BENCH OPTIONS]...
qemu-io's command language on raw files, loop devices and block devices

  --image-opts         treat file as option string
  -c, --cmd STRING     execute command with its arguments
                       from the given string
  -f, --format FMT     specifies the block driver to use
                       (raw, file or host_device)
  -r, --read-only      export read-only
  -s, --snapshot       use snapshot file (not supported: fails at open)
  -n, --nocache        disable host cache, short for -t none
  -C, --copy-on-read   enable copy-on-read (no effect: raw images have no backing file)
  -m, --misalign       misalign allocations for O_DIRECT
  -k, --native-aio     use kernel AIO implementation
                       (served by io_uring, prefer use of -i)
  -i, --aio=MODE       use AIO mode (threads, native or io_uring;
                       native means io_uring in rawio)
  -t, --cache=MODE     use the given cache mode for the image
  -d, --discard=MODE   use the given discard mode for the image
  -T, --trace ...      accepted and ignored, with a warning
  -U, --force-share    force shared permissions (no image lock)
  -h, --help           display this help and exit
  -V, --version        output version information and exit

rawio's own options:
      --align=MODE     O_DIRECT alignment: auto (bounce unaligned requests)
                       or strict (send them as given)
      --engine=ENGINE  I/O engine: auto, io_uring or threads
      --json           print one JSON object per command result on stdout
      --force          write to a block device despite a signature or another
                       holder (never when mounted or active swap)

See '${prog} -c help' for information on available commands,
and docs/cli.md for how rawio differs from qemu-io.
`
}
