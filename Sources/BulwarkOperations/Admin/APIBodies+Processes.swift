import BulwarkSupervisor

extension APIBody {
    /// `GET /api/processes`.
    struct Processes: Encodable {
        var supervised: Bool
        var processes: [Group]

        struct Group: Encodable {
            var name: String
            var instances: Int
            var ready: Int
            var given_up_slots: [Int]
            var members: [Member]
        }

        struct Member: Encodable {
            var id: String
            var slot: Int
            var port: Int
            var pid: Int32?
            var state: String
            var uptime_seconds: Double?
            var restarts: Int
            var rss_bytes: Int
            var cpu_seconds: Double
            var last_exit: String?
            var last_reason: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(id, forKey: .id)
                try container.encode(slot, forKey: .slot)
                try container.encode(port, forKey: .port)
                try container.encode(pid, forKey: .pid)
                try container.encode(state, forKey: .state)
                try container.encode(uptime_seconds, forKey: .uptime_seconds)
                try container.encode(restarts, forKey: .restarts)
                try container.encode(rss_bytes, forKey: .rss_bytes)
                try container.encode(cpu_seconds, forKey: .cpu_seconds)
                try container.encode(last_exit, forKey: .last_exit)
                try container.encode(last_reason, forKey: .last_reason)
            }

            enum CodingKeys: String, CodingKey {
                case id, slot, port, pid, state, uptime_seconds, restarts, rss_bytes, cpu_seconds, last_exit, last_reason
            }
        }

        init(_ groups: [ProcessGroupStatus]?) {
            supervised = groups != nil
            processes = (groups ?? []).map { group in
                Group(
                    name: group.name, instances: group.instances,
                    ready: group.members.filter { $0.instance.state == .ready }.count,
                    given_up_slots: group.givenUpSlots,
                    members: group.members.map { member in
                        let instance = member.instance
                        return Member(
                            id: instance.id.description, slot: instance.id.slot, port: instance.port, pid: instance.pid,
                            state: instance.state.rawValue, uptime_seconds: member.uptimeSeconds, restarts: instance.restarts,
                            rss_bytes: member.residentBytes, cpu_seconds: member.cpuSeconds,
                            last_exit: instance.lastExit?.description, last_reason: instance.lastReason
                        )
                    }
                )
            }
        }
    }
}
