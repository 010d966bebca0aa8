// The Pulumi program (Pulumi.yaml `main`): deploys the composition for this stack's role (see stacks/ and the README).
import { deployStack } from ".";

export = deployStack();
