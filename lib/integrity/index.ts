// Data integrity (stamp, check) and alignment (align): the library layer the commands wrap.
export * from './align-cost'
export * from './align-probe'
export * from './align-report'
export * from './align-sweep'
export * from './stamp'
export * from './stamp-format'
export * from './stamp-report'
