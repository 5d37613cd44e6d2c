/// The CSV rows of the shop's tables, in the format of docs/DATASETS.md. Tokens are encoded
/// once; rows are appended to byte buffers.
struct ShopTables: Sendable {
    static let eventsHeader = "user_id:token,session_id:token,timestamp:float,event_type:token,item_id:token,category_id:token,dwell:float,rating:float,device:token,region:token\n"
    static let usersHeader = "user_id:token,age_band:token,gender:token,region:token,account_age_days:float,device:token,preferred_categories:token_seq,past_orders:float,active_hour_mean:float,active_hours_bucket:token\n"
    static let itemsHeader = "item_id:token,category_id:token,brand:token,seller_id:token,seller_age_days:float,seller_rating:float,price:float,review_count:float,review_score:float,image:token\n"
    static let labelsHeader = "sample_id:token,user_id:token,target_item_id:token,cutoff:float,label:float,anomaly_type:token\n"

    let categories: [[UInt8]]
    let eventKinds: [[UInt8]]
    let devices: [[UInt8]]
    let regions: [[UInt8]]
    let ageBands: [[UInt8]]
    let genders: [[UInt8]]
    let hourBuckets: [[UInt8]]
    let brands: [[UInt8]]
    let anomalyNames: [[UInt8]]
    let normalName = CSVBuffer.field("normal")

    init(world: ShopWorld) {
        let v = ShopVocabulary.self
        categories = v.categories.map { CSVBuffer.field($0.name) }
        eventKinds = EventKind.allCases.map { CSVBuffer.field($0.name) }
        devices = v.devices.map(CSVBuffer.field)
        regions = v.regions.map(CSVBuffer.field)
        ageBands = v.ageBands.map(CSVBuffer.field)
        genders = v.genders.map(CSVBuffer.field)
        hourBuckets = v.hourBuckets.map(CSVBuffer.field)
        brands = world.brands.map { CSVBuffer.field($0.name) }
        anomalyNames = AnomalyType.allCases.map { CSVBuffer.field($0.rawValue) }
    }

    /// `u<user>,s<user>_<session>,<seconds.millis>,<type>,i<item>|empty,<category>,<dwell>,<stars>|empty,<device>,<region>`
    func appendEvents(of user: Int, _ events: [ShopEvent], to out: inout CSVBuffer) {
        for e in events {
            out.id(UInt8(ascii: "u"), user); out.comma()
            out.id(UInt8(ascii: "s"), user); out.byte(UInt8(ascii: "_")); out.int(Int(e.session)); out.comma()
            out.fixed(units: e.timeMillis, decimals: 3); out.comma()
            out.raw(eventKinds[Int(e.kind.rawValue)]); out.comma()
            if e.item >= 0 { out.id(UInt8(ascii: "i"), Int(e.item)) }
            out.comma()
            out.raw(categories[Int(e.category)]); out.comma()
            out.fixed(units: Int64(e.dwellTenths), decimals: 1); out.comma()
            if e.rating > 0 { out.int(Int(e.rating)) }
            out.comma()
            out.raw(devices[Int(e.device)]); out.comma()
            out.raw(regions[Int(e.region)]); out.newline()
        }
    }

    func appendUser(_ index: Int, _ u: SimulatedUser, to out: inout CSVBuffer) {
        let p = u.profile
        out.id(UInt8(ascii: "u"), index); out.comma()
        out.raw(ageBands[p.ageBand]); out.comma()
        out.raw(genders[p.gender]); out.comma()
        out.raw(regions[p.region]); out.comma()
        out.number(p.accountAgeDays, decimals: 2); out.comma()
        out.raw(devices[p.device]); out.comma()
        for (k, c) in p.preferredCategories.enumerated() {
            if k > 0 { out.byte(UInt8(ascii: " ")) }
            out.raw(categories[c])
        }
        out.comma()
        out.int(u.pastOrders); out.comma()
        out.number(p.activeHourMean, decimals: 2); out.comma()
        out.raw(hourBuckets[ShopVocabulary.hourBucket(p.activeHourMean)]); out.newline()
    }

    func appendLabel(_ index: Int, _ u: SimulatedUser, to out: inout CSVBuffer) {
        out.raw(Array("sample".utf8)); out.int(index); out.comma()
        out.id(UInt8(ascii: "u"), index); out.comma()
        out.id(UInt8(ascii: "i"), Int(u.target)); out.comma()
        out.fixed(units: u.cutoffMillis, decimals: 3); out.comma()
        out.byte(u.role == nil ? UInt8(ascii: "0") : UInt8(ascii: "1")); out.comma()
        out.raw(u.role.map { anomalyNames[AnomalyType.allCases.firstIndex(of: $0)!] } ?? normalName); out.newline()
    }

    func itemsCSV(world: ShopWorld, pictures: PicturePlan) -> [UInt8] {
        var out = CSVBuffer(capacity: 96 * world.items.count + 256)
        out.raw(Array(ShopTables.itemsHeader.utf8))
        for (j, item) in world.items.enumerated() {
            let seller = world.sellers[item.seller]
            out.id(UInt8(ascii: "i"), j); out.comma()
            out.raw(categories[item.category]); out.comma()
            out.raw(brands[item.brand]); out.comma()
            out.raw(Array("seller".utf8)); out.int(item.seller); out.comma()
            out.number(seller.ageDays, decimals: 1); out.comma()
            out.number(seller.rating, decimals: 2); out.comma()
            out.number(item.price, decimals: 2); out.comma()
            out.int(Int(item.reviewCount)); out.comma()
            out.number(item.reviewScore, decimals: 2); out.comma()
            out.text(pictures.pictures[Int(pictures.pictureOfItem[j])].path); out.newline()
        }
        return out.bytes
    }
}
