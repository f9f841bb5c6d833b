@testable import BulwarkPostgres
import PropertyBased
import Testing

@Suite("Statement text")
struct StatementTextTests {
    @Test("string literals become ?, with '' escapes inside")
    func strings() {
        #expect(StatementText.masked("select * from t where name = 'ann' and id = 42") == "select * from t where name = ? and id = ?")
        #expect(StatementText.masked("select 'it''s', '' from t") == "select ?, ? from t")
        #expect(StatementText.masked("select 'a\\' , 'b'") == "select ? , ?")
    }

    @Test("E'…' strings honour backslash escapes; B, X and N strings are masked with their prefix")
    func prefixedStrings() {
        #expect(StatementText.masked(#"select E'it\'s \\', e'x''y' || 1"#) == "select ?, ? || ?")
        #expect(StatementText.masked("select X'1F', b'101', N'name', U&'d!0061t' UESCAPE '!'") == "select ?, ?, ?, U&? UESCAPE ?")
        #expect(StatementText.masked("select namee'x'") == "select namee?")
    }

    @Test("dollar-quoted bodies become ?; $1 placeholders stay")
    func dollars() {
        #expect(StatementText.masked("do $$ begin perform 'x'; end $$") == "do ?")
        #expect(StatementText.masked("select $fn$ it's $$ 42 $fn$, $1, $22::int") == "select ?, $1, $22::int")
        #expect(StatementText.masked("select a$1, $ , $x from t") == "select a$1, $ , $x from t")
    }

    @Test("numbers not part of an identifier become ?")
    func numbers() {
        #expect(StatementText.masked("select 1, 1.5, .5, 12., 1e10, 1E-3, 2e+7, 0x1F, 0o17, 0b101, 1_000, -7") == "select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -?")
        #expect(StatementText.masked("select t1.c2, col_3, \"x 9\" from s1 limit 10") == "select t1.c2, col_3, \"x 9\" from s1 limit ?")
        #expect(StatementText.masked("select a[1:2], 3::int") == "select a[?:?], ?::int")
    }

    @Test("quoted identifiers and comments are kept as they are")
    func identifiersAndComments() {
        #expect(StatementText.masked(#"select "it's ""42""" from "T 1""#) == #"select "it's ""42""" from "T 1""#)
        #expect(StatementText.masked("select 1 -- note 'x' 42\n  from t") == "select ? -- note 'x' 42\nfrom t")
        #expect(StatementText.masked("/* 'a' /* nested 42 */ still 'in' */ select 1") == "/* 'a' /* nested 42 */ still 'in' */ select ?")
        #expect(StatementText.masked("select 1 --a\r\n2") == "select ? --a\n?")
    }

    @Test("whitespace runs become one space and the ends are trimmed")
    func whitespace() {
        #expect(StatementText.masked("  select\t\n  a ,\r\n b   from   t  \n") == "select a , b from t")
        #expect(StatementText.masked("/*  a \n b  */") == "/* a b */")
        #expect(StatementText.masked("") == "")
        #expect(StatementText.masked(" \n\t ") == "")
    }

    @Test("a literal left open masks to the end")
    func unterminated() {
        #expect(StatementText.masked("select 'abc and 1") == "select ?")
        #expect(StatementText.masked("select $$abc 'x'") == "select ?")
        #expect(StatementText.masked(#"select E'abc\'"#) == "select ?")
        #expect(StatementText.masked("select /* open 'x'") == "select /* open 'x'")
        #expect(StatementText.masked("select \"open 1") == "select \"open 1")
    }

    @Test("truncated counts characters and appends … only when it cuts")
    func truncation() {
        #expect(StatementText.truncated("abc", limit: 3) == "abc")
        #expect(StatementText.truncated("abcd", limit: 3) == "abc…")
        #expect(StatementText.truncated("👍🏽é x", limit: 2) == "👍🏽é…")
        #expect(StatementText.truncated("abc", limit: 0) == "…")
        #expect(StatementText.truncated("", limit: 0) == "")
        let long = String(repeating: "x", count: 1_500)
        #expect(StatementText.truncated(long) == String(repeating: "x", count: 1_000) + "…")
        #expect(StatementText.truncated(String(repeating: "x", count: 1_000)).count == 1_000)
    }

    // MARK: Properties

    /// Characters for literal contents: none of them appears in the masked template (so no `-`, which a negative
    /// number leaves before its `?`).
    static let contentAlphabet: [Unicode.Scalar] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'\\\"$+/;:,\n\t()üß字😀\u{301}".unicodeScalars)

    @Test("masking leaves no character of a literal's contents and no digit of a number")
    func literalsDoNotLeak() async {
        let template = "select * from t where a = ? and b = ?"
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 0...(Self.contentAlphabet.count - 1)).array(of: 0...30),
            Gen.int(in: 0...2),
            Gen.int(in: -1_000_000...1_000_000),
            Gen.int(in: 0...3)
        ) { indices, kind, number, numberForm in
            let scalars = indices.map { Self.contentAlphabet[$0] }
            let contents = String(String.UnicodeScalarView(scalars))
            // Escaped scalar by scalar: a combining mark after a quote must not hide it from the escaping.
            let literal = switch kind {
            case 0: "'" + Self.escaped(scalars) { $0 == "'" ? "''" : nil } + "'"
            case 1: "E'" + Self.escaped(scalars) { $0 == "'" || $0 == "\\" ? "\\\($0)" : nil } + "'"
            default: "$tag$" + contents + "$tag$"
            }
            let numeral = switch numberForm {
            case 0: "\(number)"
            case 1: "\(abs(number)).\(abs(number) % 97)"
            case 2: "\(abs(number))e\(abs(number) % 9)"
            default: "0x" + String(abs(number), radix: 16)
            }
            let sql = "select * from t where a = \(literal) and b = \(numeral)"
            let masked = StatementText.masked(sql)
            #expect(masked == template || masked == template.replacing("b = ?", with: "b = -?"), "\(sql) → \(masked)")
            let leaked = masked.unicodeScalars.filter { contents.unicodeScalars.contains($0) || ("0"..."9").contains($0) }
            #expect(leaked.isEmpty, "\(sql) → \(masked)")
        }
    }

    static func escaped(_ scalars: [Unicode.Scalar], _ escape: (Unicode.Scalar) -> String?) -> String {
        var text = String.UnicodeScalarView()
        for scalar in scalars {
            if let replacement = escape(scalar) { text.append(contentsOf: replacement.unicodeScalars) } else { text.append(scalar) }
        }
        return String(text)
    }

    /// Pieces that make the lexer's states meet each other.
    static let fragments = [
        "'", "''", "\"", "\"\"", "$", "$$", "$a$", "$1", "--", "/*", "*/", "\n", "\r", " ", "\t", "e", "E'", "x'",
        "1", ".5", "1e", "e+", "0x", "_", "x", "select", "\\", "é", "字", "?", ";", "-", "/", "*", "U&", "a$", "😀",
    ]

    @Test("masking is idempotent on SQL-like fragments")
    func idempotentOnFragments() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...(Self.fragments.count - 1)).array(of: 0...40)) { indices in
            let sql = indices.map { Self.fragments[$0] }.joined()
            let once = StatementText.masked(sql)
            let twice = StatementText.masked(once)
            #expect(twice == once, "\(sql.debugDescription) → \(once.debugDescription) → \(twice.debugDescription)")
        }
    }

    @Test("masking never traps and is idempotent on random Unicode")
    func randomUnicode() async {
        await propertyCheck(count: 300, input: Gen<UInt32>.value(in: 0...0x10FFFF).array(of: 0...80)) { values in
            // Two in three scalars ASCII, so SQL punctuation turns up often.
            let scalars = values.map { value in
                value % 3 == 0 ? Unicode.Scalar(value) ?? "\u{FFFD}" : Unicode.Scalar(UInt8(value % 128))
            }
            let sql = String(String.UnicodeScalarView(scalars))
            let once = StatementText.masked(sql)
            #expect(StatementText.masked(once) == once, "\(sql.debugDescription) → \(once.debugDescription)")
            let truncated = StatementText.truncated(once, limit: 10)
            #expect(truncated.count <= 11)
        }
    }
}
