#!/usr/bin/env python3
"""Rewrites Sources/Sources/AWS/EC2PriceTable.swift from AWS's Price List Query API.

The table backs ec2.cost.hourly_usd: on-demand USD per hour for Linux, shared tenancy, no
pre-installed software, by region and instance type. Refresh it when AWS changes prices or when
the fleet uses a region or an instance family the table lacks (those instances are counted by
ec2.cost.unpriced_instances instead of being priced).

    pip install botocore   # or use .venv-test/bin/python, which has it
    AWS_PROFILE=… python3 scripts/refresh-ec2-prices.py us-east-1 us-east-2 us-west-2 [--families t3,m5,…]

Needs credentials allowed pricing:GetProducts (the Price List Query API answers in us-east-1).
Without --families, the families already in the table are kept.
"""
import argparse, datetime, json, pathlib, re, sys

import botocore.session

TABLE = pathlib.Path(__file__).resolve().parent.parent / "Sources/Sources/AWS/EC2PriceTable.swift"


def current_families():
    text = TABLE.read_text() if TABLE.exists() else ""
    return sorted({m.group(1) for m in re.finditer(r'"([a-z0-9-]+)\.[a-z0-9-]+": [0-9.e-]+,', text)})


def prices(client, region, families):
    filters = [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "operatingSystem", "Value": "Linux"},
        {"Type": "TERM_MATCH", "Field": "tenancy", "Value": "Shared"},
        {"Type": "TERM_MATCH", "Field": "preInstalledSw", "Value": "NA"},
        {"Type": "TERM_MATCH", "Field": "capacitystatus", "Value": "Used"},
        {"Type": "TERM_MATCH", "Field": "licenseModel", "Value": "No License required"},
    ]
    found = {}
    for page in client.get_paginator("get_products").paginate(ServiceCode="AmazonEC2", Filters=filters):
        for raw in page["PriceList"]:
            product = json.loads(raw)
            instance_type = product["product"]["attributes"].get("instanceType", "")
            if instance_type.split(".")[0] not in families:
                continue
            for term in product.get("terms", {}).get("OnDemand", {}).values():
                for dimension in term["priceDimensions"].values():
                    usd = float(dimension["pricePerUnit"].get("USD", "0"))
                    if dimension.get("unit") == "Hrs" and usd > 0:
                        found[instance_type] = usd
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("regions", nargs="+")
    parser.add_argument("--families", help="comma-separated instance families (default: those in the table)")
    args = parser.parse_args()
    families = set(args.families.split(",")) if args.families else set(current_families())
    if not families:
        sys.exit("no families: pass --families t3,m5,…")
    client = botocore.session.get_session().create_client("pricing", region_name="us-east-1")
    lines = [
        "/// Written by scripts/refresh-ec2-prices.py from AWS's Price List Query API.",
        "///",
        "/// On-demand USD per hour, Linux, shared tenancy, by region and instance type.",
        "enum EC2PriceTable {",
        "    /// When the prices were taken.",
        f'    static let asOf = "{datetime.date.today().isoformat()}"',
        "    static let onDemandLinux: [String: [String: Double]] = [",
    ]
    for region in args.regions:
        table = prices(client, region, families)
        print(f"{region}: {len(table)} instance types", file=sys.stderr)
        lines.append(f'        "{region}": [')
        lines += [f'            "{t}": {p!r},' for t, p in sorted(table.items())]
        lines.append("        ],")
    lines += ["    ]", "}", ""]
    TABLE.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
