/**
 * Members a component offers TypeScript users but not the other Pulumi languages. The schema analyzer behind
 * `pulumi package add` turns every class property into a schema output and rejects types it cannot express (our
 * own BundledFunction, interfaces of several resources); it skips accessors. Such members are therefore getters
 * reading from one of these stores, keyed by the component instance.
 */
export class TypeScriptOnly<T extends object> {
    private readonly values = new WeakMap<object, T>();

    set(owner: object, value: T): T {
        this.values.set(owner, value);
        return value;
    }

    get(owner: object): T {
        const value = this.values.get(owner);
        if (value === undefined) throw new Error("component member read before the component was constructed");
        return value;
    }
}
