extension SlotPolicy {
    /// The budgets of the whole policy and of its parts, in entries and in bytes.
    struct Limits: Sendable {
        let maximumEntries: Int
        let maximumBytes: Int
        let maximumEntryBytes: Int
        /// The admission window: 1% of each budget, at least one entry.
        let windowEntries: Int
        let windowBytes: Int
        /// The protected segment: 80% of the main space (the budget less the window).
        let protectedEntries: Int
        let protectedBytes: Int

        init(maximumEntries: Int, maximumBytes: Int, maximumEntryBytes: Int?) {
            self.maximumEntries = maximumEntries
            self.maximumBytes = maximumBytes
            self.maximumEntryBytes = min(maximumEntryBytes ?? maximumBytes, maximumBytes)
            windowEntries = max(1, maximumEntries / 100)
            windowBytes = max(1, maximumBytes / 100)
            protectedEntries = (maximumEntries - windowEntries) * 4 / 5
            protectedBytes = (maximumBytes - windowBytes) * 4 / 5
        }
    }
}
