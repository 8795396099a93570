import FedStoreCore
import Foundation
import PostgresNIO

extension PostgresRandomAccessRow {
    /// The row as `T`, each property read from the column its coding key names, with the
    /// property's type: the same Codable row types the SQLite store reads through GRDB, so that a
    /// column is found by its name, never by its place in the `SELECT` list.
    ///
    /// A column the query did not return, a NULL where the property needs a value, or a value of
    /// another type is a `StoreError.corruptRow` naming `table`, the row's `id` (where the query
    /// returned one) and the column.
    func decode<T: Decodable>(_ type: T.Type, table: String, location: String) throws -> T {
        let id = contains("id") ? (try? self["id"].decode(Int64.self)) ?? 0 : 0
        return try T(from: PostgresRowDecoder(row: self, table: table, location: location, id: id))
    }
}

/// Reads a flat `Decodable` type from one result row by column name; see
/// `PostgresRandomAccessRow.decode(_:table:location:)`.
private struct PostgresRowDecoder: Decoder {
    let row: PostgresRandomAccessRow
    let table: String
    let location: String
    let id: Int64
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func corrupt(_ reason: String) -> StoreError {
        .corruptRow(path: location, table: table, id: id, reason: reason)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Columns(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw corrupt("a row is read by column names, not as a list")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw corrupt("a row is read by column names, not as one value")
    }

    /// The row's columns, named by the coding keys of the type being read.
    struct Columns<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: PostgresRowDecoder
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { decoder.row.compactMap { Key(stringValue: $0.columnName) } }

        /// Every key is taken to be there, so that an optional property whose column the query
        /// left out fails in `decodeNil` instead of reading as nil.
        func contains(_ key: Key) -> Bool { true }

        func cell(_ key: Key) throws -> PostgresCell {
            guard decoder.row.contains(key.stringValue) else {
                throw decoder.corrupt("the query returned no column '\(key.stringValue)'")
            }
            return decoder.row[key.stringValue]
        }

        func decodeNil(forKey key: Key) throws -> Bool { try cell(key).bytes == nil }

        /// The column's value as PostgresNIO decodes `T` from the column's type.
        func value<T: PostgresDecodable>(_ type: T.Type, _ key: Key) throws -> T {
            let cell = try cell(key)
            // PostgresNIO hands any column's bytes out as `Data`; only BYTEA holds what it means.
            if T.self == Data.self, cell.bytes != nil, cell.dataType != .bytea {
                throw decoder.corrupt(
                    "column '\(key.stringValue)' holds \(cell.dataType.knownSQLName ?? "type \(cell.dataType.rawValue)") where BYTEA was expected"
                )
            }
            do {
                return try cell.decode(T.self)
            } catch let error as PostgresDecodingError {
                let column = "column '\(key.stringValue)'"
                let found = error.postgresType.knownSQLName ?? "type \(error.postgresType.rawValue)"
                switch error.code {
                case .missingData: throw decoder.corrupt("\(column) is NULL where \(T.self) was expected")
                case .typeMismatch: throw decoder.corrupt("\(column) holds \(found) where \(T.self) was expected")
                default: throw decoder.corrupt("\(column) holds a \(found) value that is not a valid \(T.self)")
                }
            }
        }

        /// `value` for a type known only at run time: those PostgresNIO cannot decode are refused.
        func anyValue<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            guard let decodable = type as? any PostgresDecodable.Type, let decoded = try value(decodable, key) as? T else {
                throw decoder.corrupt("column '\(key.stringValue)' cannot be read as \(T.self)")
            }
            return decoded
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(type, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(type, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try anyValue(type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try anyValue(type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try anyValue(type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try anyValue(type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try anyValue(type, key) }
        // `Data` (BYTEA) comes this way.
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try anyValue(type, key) }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type, forKey key: Key
        ) throws -> KeyedDecodingContainer<NestedKey> {
            throw decoder.corrupt("column '\(key.stringValue)' is one value, not a nested row")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw decoder.corrupt("column '\(key.stringValue)' is one value, not a list")
        }

        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }
}
