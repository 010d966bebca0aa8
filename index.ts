// The stack program; compositions per account role live in stacks/.
export * from "./components";
