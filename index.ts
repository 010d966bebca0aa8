// The Pulumi program: deploys the composition for this stack's role (see stacks/ and the README).
import { deployStack } from "./stacks";

export = deployStack();
