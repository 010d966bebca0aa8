// The reader lives with the sandbox, which reads the reports too.
export * from "../../../sandbox/story/csvRead";
