// The command layer's public surface: the Session that runs qemu-io command lines, and the table.

export { breakline, parseLine } from './parse'
export { type CommandResult, Session, type SessionOptions } from './session'
export type { Command } from './spec'
export type { ImageOptions } from './state'
export { commandIndex, completeCommand, extensionIndex, findCommand, loadCommands } from './table'
