/** The end-to-end suites and the benchmark start the built server the same way. */
export * from '../../tools/server-process';
