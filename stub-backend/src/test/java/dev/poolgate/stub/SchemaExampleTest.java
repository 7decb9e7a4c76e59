package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The example input of a tool: required properties only, each a value its schema accepts. */
class SchemaExampleTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no schema properties         | {"type":"object"}                                                                   | {}
            only required properties     | {"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["b"]} | {"b":"b"}
            every type                   | {"type":"object","properties":{"s":{"type":"string"},"i":{"type":"integer"},"n":{"type":"number"},"b":{"type":"boolean"},"z":{"type":"null"}},"required":["s","i","n","b","z"]} | {"s":"s","i":1,"n":1.0,"b":false,"z":null}
            enum takes its first value   | {"type":"object","properties":{"e":{"type":"string","enum":["pending","done"]}},"required":["e"]} | {"e":"pending"}
            const is taken as is         | {"type":"object","properties":{"c":{"const":7}},"required":["c"]}                | {"c":7}
            bounds move numbers          | {"type":"object","properties":{"lo":{"type":"integer","minimum":10},"hi":{"type":"number","maximum":0.5}},"required":["lo","hi"]} | {"lo":10,"hi":0.5}
            string lengths               | {"type":"object","properties":{"long":{"type":"string","minLength":8},"short":{"type":"string","maxLength":2}},"required":["long","short"]} | {"long":"longxxxx","short":"sh"}
            string formats               | {"type":"object","properties":{"t":{"type":"string","format":"date-time"},"u":{"type":"string","format":"uri"}},"required":["t","u"]} | {"t":"2025-01-01T00:00:00Z","u":"https://example.com/"}
            nested objects recursively   | {"type":"object","properties":{"o":{"type":"object","properties":{"p":{"type":"object","properties":{"q":{"type":"integer"}},"required":["q"]}},"required":["p"]}},"required":["o"]} | {"o":{"p":{"q":1}}}
            arrays of objects            | {"type":"object","properties":{"todos":{"type":"array","items":{"type":"object","properties":{"content":{"type":"string"},"status":{"enum":["pending","completed"]}},"required":["content","status"]}}},"required":["todos"]} | {"todos":[{"content":"content","status":"pending"}]}
            array item counts            | {"type":"object","properties":{"two":{"type":"array","minItems":2,"items":{"type":"boolean"}},"none":{"type":"array","maxItems":0}},"required":["two","none"]} | {"two":[false,false],"none":[]}
            nullable type list           | {"type":"object","properties":{"n":{"type":["null","integer"]}},"required":["n"]} | {"n":1}
            refs are followed            | {"type":"object","$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}},"properties":{"p":{"$ref":"#/$defs/Point"}},"required":["p"]} | {"p":{"x":1.0}}
            anyOf takes the first        | {"type":"object","properties":{"a":{"anyOf":[{"type":"integer"},{"type":"string"}]}},"required":["a"]} | {"a":1}
            a property without a schema  | {"type":"object","required":["x"]}                                                  | {"x":"x"}
            a recursive schema ends      | {"type":"object","$defs":{"Node":{"type":"object","properties":{"next":{"$ref":"#/$defs/Node"}},"required":["next"]}},"properties":{"n":{"$ref":"#/$defs/Node"}},"required":["n"]} | {"n":{"next":{"next":{"next":{"next":{"next":{"next":{"next":{"next":null}}}}}}}}}
            """)
    void exampleInputFollowsTheSchema(String rule, String schema, String expected) {
        assertEquals(json(expected).toString(), SchemaExample.inputFor(json(schema)).toString(), rule);
    }
}
