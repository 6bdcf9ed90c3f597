import AWS
import Pipeline

/// One instance of a DescribeInstances answer as the record `aws_ec2_instances` emits.
///
/// Elements are found by name, never by position, so AWS adding or reordering elements
/// changes nothing. Fields (absent when AWS leaves them out):
///
/// | field | from |
/// |---|---|
/// | `instance_id`, `instance_type`, `image_id`, `vpc_id`, `subnet_id`, `architecture`, `key_name` | the elements of the same names |
/// | `state` | `instanceState/name`: pending, running, shutting-down, terminated, stopping, stopped |
/// | `launch_time` | `launchTime` (ISO 8601) |
/// | `availability_zone` | `placement/availabilityZone` |
/// | `lifecycle` | `instanceLifecycle` (`spot`, `scheduled`, `capacity-block`), else `on-demand` |
/// | `platform` | `windows` when `platform` says so, else `linux` |
/// | `region` | the region asked |
/// | `tags` | `tagSet`: an object of key → value |
/// | `hourly_usd` | the on-demand price of the type in the region (Linux only; see `EC2Prices`) |
enum EC2InstanceRecord {
    static func make(_ item: XMLElement, region: String, prices: EC2Prices) -> JSON {
        var fields: [(String, JSON)] = []
        func copy(_ element: String, as name: String) {
            if let text = item.value(element), !text.isEmpty { fields.append((name, .string(text))) }
        }
        copy("instanceId", as: "instance_id")
        copy("instanceType", as: "instance_type")
        copy("imageId", as: "image_id")
        copy("vpcId", as: "vpc_id")
        copy("subnetId", as: "subnet_id")
        copy("architecture", as: "architecture")
        copy("keyName", as: "key_name")
        copy("launchTime", as: "launch_time")
        if let state = item.first("instanceState")?.value("name") { fields.append(("state", .string(state))) }
        if let zone = item.first("placement")?.value("availabilityZone") { fields.append(("availability_zone", .string(zone))) }
        let lifecycle = item.value("instanceLifecycle").flatMap { $0.isEmpty ? nil : $0 } ?? "on-demand"
        fields.append(("lifecycle", .string(lifecycle)))
        let platform = item.value("platform")?.lowercased() == "windows" ? "windows" : "linux"
        fields.append(("platform", .string(platform)))
        fields.append(("region", .string(region)))
        var tags: [(String, JSON)] = []
        for tag in item.first("tagSet")?.all("item") ?? [] {
            if let key = tag.value("key") { tags.append((key, .string(tag.value("value") ?? ""))) }
        }
        fields.append(("tags", .object(JSONObject(tags))))
        if platform == "linux", let type = item.value("instanceType"),
            let price = prices.hourlyUSD(region: region, instanceType: type)
        {
            fields.append(("hourly_usd", .number(price)))
        }
        return .object(JSONObject(fields))
    }

    /// What of a DescribeInstances page is built: the elements `make` and `instances(in:)` read,
    /// and `nextToken` (an instance's block devices, network interfaces and the rest are not).
    static let pageSelection: FieldSelection = {
        let leaf = FieldSelection.all
        let instance = FieldSelection.keys([
            "instanceId": leaf, "instanceType": leaf, "imageId": leaf, "vpcId": leaf, "subnetId": leaf,
            "architecture": leaf, "keyName": leaf, "launchTime": leaf, "instanceState": .keys(["name": leaf]),
            "placement": .keys(["availabilityZone": leaf]), "instanceLifecycle": leaf, "platform": leaf,
            "tagSet": .keys(["item": .keys(["key": leaf, "value": leaf])]),
        ])
        return .keys([
            "nextToken": leaf, "reservationSet": .keys(["item": .keys(["instancesSet": .keys(["item": instance])])]),
        ])
    }()

    /// Every instance of one DescribeInstances page: `reservationSet/item/instancesSet/item`.
    static func instances(in page: XMLElement) -> [XMLElement] {
        (page.first("reservationSet")?.all("item") ?? []).flatMap { $0.first("instancesSet")?.all("item") ?? [] }
    }
}
