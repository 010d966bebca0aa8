/**
 * The estate the design is sized for (issue #20): 800 workbench accounts in up to 4 regions, 400 counted products or
 * features, 60 workbench types carrying up to 20 each, 30 license servers, 40,000 engineers. Deterministic, so the
 * quota tests and the benches measure the same thing every run.
 */
import type { KnownCatalog } from "../../components/hub/catalog";

export const TARGET_ESTATE = {
    accounts: 800,
    regions: ["eu-central-1", "eu-west-1", "us-east-1", "ap-northeast-1"],
    products: 400,
    workbenchTypes: 60,
    productsPerType: 20,
    licenseServers: 30,
    engineers: 40_000,
    /** Listed mode, where it still applies: the admission list the hub's functions read from the configuration object. */
    listedAccounts: 1_500,
} as const;

/** `i-` + 17 hex digits, one per license server. */
export function licenseServerId(index: number): string {
    return `i-${index.toString(16).padStart(17, "0")}`;
}

/** 12-digit workbench account ids, distinct and stable. */
export function workbenchAccountIds(count: number): string[] {
    return Array.from({ length: count }, (_, i) => String(200_000_000_000 + i * 7919));
}

/**
 * A catalog of `products` products spread over `licenseServers` servers, each with a vendor CLI of realistic length
 * (a FlexNet-style argv), and `workbenchTypes` types each carrying `productsPerType` products.
 */
export function targetCatalog(size: { products: number; workbenchTypes: number; productsPerType: number; licenseServers: number } = TARGET_ESTATE): KnownCatalog {
    const products: KnownCatalog["products"] = {};
    for (let p = 0; p < size.products; p++) {
        products[productName(p)] = {
            licenseServerInstanceId: licenseServerId(p % size.licenseServers),
            seats: 10 + (p % 90),
            command: ["/opt/flexnet/bin/lmnamedusers", "--vendor-daemon", `vendor${p % size.licenseServers}`, "--feature", "{product}", "--replace-from={usersFile}"],
        };
    }
    const workbenchTypes: KnownCatalog["workbenchTypes"] = {};
    for (let t = 0; t < size.workbenchTypes; t++) {
        const carried = new Set<string>();
        for (let k = 0; k < size.productsPerType; k++) carried.add(productName((t * 7 + k) % size.products));
        workbenchTypes[`type-${String(t).padStart(2, "0")}-engineering-workbench`] = [...carried];
    }
    // Every product carried by some type (the catalog refuses orphans): spread the rest over the types.
    const carried = new Set(Object.values(workbenchTypes).flat());
    const names = Object.keys(workbenchTypes);
    Object.keys(products)
        .filter((p) => !carried.has(p))
        .forEach((p, i) => workbenchTypes[names[i % names.length]].push(p));
    return { workbenchTypes, products };
}

function productName(index: number): string {
    return `feature-${String(index).padStart(3, "0")}-toolbox`;
}
