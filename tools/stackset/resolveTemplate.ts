/**
 * Resolves a template's intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`) to plain values for one account-region, as
 * CloudFormation would: pseudo parameters and parameters from the arguments, resource references from `physical`
 * (what each resource's Ref and attributes are). Tests use it to compare the template with the component it was
 * rendered from; it knows exactly the intrinsics the render emits.
 */
export interface ResolveContext {
    accountId: string;
    region: string;
    partition: string;
    parameters: Record<string, string>;
    /** Logical id -> its `Ref` value and attributes (`Arn`, `QueueName`, ...). */
    physical(logicalId: string): { ref: string; attributes: Record<string, string> };
}

export function resolveIntrinsics(value: unknown, context: ResolveContext): unknown {
    const lookup = (name: string, attribute?: string): string => {
        const pseudo: Record<string, string> = {
            "AWS::AccountId": context.accountId,
            "AWS::Region": context.region,
            "AWS::Partition": context.partition,
            "AWS::URLSuffix": "amazonaws.com",
        };
        if (attribute === undefined && name in pseudo) return pseudo[name];
        if (attribute === undefined && name in context.parameters) return context.parameters[name];
        const target = context.physical(name);
        if (attribute === undefined) return target.ref;
        if (!(attribute in target.attributes)) throw new Error(`${name} has no attribute ${attribute} here`);
        return target.attributes[attribute];
    };
    if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, context));
    if (!value || typeof value !== "object") return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
        const [fn, arg] = entries[0];
        if (fn === "Ref") return lookup(String(arg));
        if (fn === "Fn::GetAtt") return lookup(String((arg as string[])[0]), String((arg as string[])[1]));
        if (fn === "Fn::Sub") {
            return String(arg).replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
                const [name, attribute] = ref.split(/\.(.*)/);
                return lookup(name, attribute || undefined);
            });
        }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, context)]));
}
