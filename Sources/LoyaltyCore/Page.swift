/// Page/per-page arithmetic shared by every list endpoint.
public struct PageRequest: Sendable, Hashable {
    public var page: Int
    public var perPage: Int

    public init(page: Int, perPage: Int) {
        self.page = max(1, page)
        self.perPage = max(1, perPage)
    }

    public var offset: Int { (page - 1) * perPage }
}

/// One page of results plus the totals that become the wire's `meta`.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var request: PageRequest
    public var total: Int

    public init(items: [Item], request: PageRequest, total: Int) {
        self.items = items
        self.request = request
        self.total = total
    }

    public var lastPage: Int { max(1, (total + request.perPage - 1) / request.perPage) }
    /// 1-based index of the first item on this page, or `nil` when the page is empty.
    public var from: Int? { items.isEmpty ? nil : request.offset + 1 }
    public var to: Int? { items.isEmpty ? nil : request.offset + items.count }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), request: request, total: total)
    }
}
