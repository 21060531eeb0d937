//! Validation of `spreiding/instance@1`: defaults, one test per rule (path and code), several
//! problems at once, syntax errors, and the conversion into the model.

use serde_json::{Value, json};
use spreiding::format::InstanceFile;
use spreiding::model::{Instance, Point, Registration};
use spreiding::validate::{
    InstanceError, Problem, instance_from_file, instance_from_value, parse_instance,
};

/// The smallest valid instance: one area, one practice, nothing optional.
fn minimal() -> Value {
    json!({
        "format": "spreiding/instance@1",
        "areas": [{"id": "A1", "location": {"lat": 52.22, "lon": 6.89}}],
        "practices": [{"id": "P1", "location": {"lat": 52.23, "lon": 6.90}, "fte": 2.0}]
    })
}

/// `minimal()` with two areas, two practices, registrations, changes and a walk graph.
fn rich() -> Value {
    json!({
        "format": "spreiding/instance@1",
        "name": "Enschede 2025",
        "policy": {"phases": 4, "phase_labels": ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]},
        "areas": [
            {"id": "A1", "name": "Stadsweide", "district": "Centrum",
             "location": {"lat": 52.2215, "lon": 6.8937}, "residents": 2310, "noni": 35},
            {"id": "A2", "location": {"lat": 52.21, "lon": 6.88}}
        ],
        "practices": [
            {"id": "P1", "location": {"lat": 52.2230, "lon": 6.8901}, "fte": 2.4,
             "changes": [{"phase": 3, "fte": 3.0}, {"phase": 2, "ceiling": 4000}]},
            {"id": "P2", "location": {"lat": 52.2240, "lon": 6.8801}, "fte": 1.0}
        ],
        "registrations": [
            {"area": "A1", "practice": "P1", "patients": 800},
            {"area": "A2", "practice": "P2", "patients": 10}
        ],
        "walk_graph": {
            "nodes": [{"id": "n1", "location": {"lat": 52.22, "lon": 6.89}},
                      {"id": "n2", "location": {"lat": 52.23, "lon": 6.89}}],
            "edges": [{"from": "n1", "to": "n2", "length_m": 1100}]
        }
    })
}

/// `doc` with the value at JSON pointer `pointer` set (created if absent) to `value`.
fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    match doc.pointer_mut(parent).expect("parent exists") {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().expect("array index")] = value,
        other => panic!("cannot set {key} in {other}"),
    }
    doc
}

/// `doc` without the field at JSON pointer `pointer`.
fn without(mut doc: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("parent object")
        .remove(key)
        .expect("field exists");
    doc
}

fn parse(doc: &Value) -> Instance {
    parse_instance(&doc.to_string()).unwrap_or_else(|e| panic!("{e}: {e:#?}"))
}

fn problems_of(error: InstanceError) -> Vec<Problem> {
    match error {
        InstanceError::Invalid(problems) => problems,
        InstanceError::Syntax { .. } => panic!("unexpected syntax error: {error}"),
    }
}

fn problems(json: &str) -> Vec<Problem> {
    match parse_instance(json) {
        Ok(_) => panic!("expected problems, the instance was accepted:\n{json}"),
        Err(e) => problems_of(e),
    }
}

/// `json` has exactly one problem, with this path and code; returns its message.
fn check_problem(json: &str, path: &str, code: &str) -> String {
    let found = problems(json);
    let listed: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        found.len(),
        1,
        "expected only {path} [{code}], got:\n{}",
        listed.join("\n")
    );
    assert_eq!(
        (found[0].path.as_str(), found[0].code),
        (path, code),
        "got {}",
        listed[0]
    );
    found[0].message.clone()
}

/// Like [`check_problem`] on `minimal()` with one value set.
fn check_set(pointer: &str, value: Value, path: &str, code: &str) -> String {
    check_problem(&with(minimal(), pointer, value).to_string(), path, code)
}

fn paths_and_codes(found: &[Problem]) -> Vec<(&str, &str)> {
    found.iter().map(|p| (p.path.as_str(), p.code)).collect()
}

// ---- valid input and defaults -------------------------------------------------------------

#[test]
fn minimal_instance_takes_the_documented_defaults() {
    let instance = parse(&minimal());
    assert_eq!(instance.name, "");
    let policy = &instance.policy;
    assert_eq!(policy.norm_per_fte, 2095.0);
    assert_eq!(policy.ceiling_ratio, 1.0);
    assert_eq!(policy.max_walk_m, 2000.0);
    assert_eq!(policy.detour_factor, 1.3);
    assert_eq!(policy.phases, 4);
    assert_eq!(
        policy.phase_labels,
        ["phase 1", "phase 2", "phase 3", "phase 4"]
    );
    assert_eq!(policy.max_moves_per_phase, Some(1500));
    assert_eq!(policy.max_intake_per_phase, Some(150));
    assert_eq!(policy.max_outflow_per_phase, Some(150));
    assert_eq!(policy.weights.waiting, 1000.0);
    assert_eq!(policy.weights.excess, 100.0);
    assert_eq!(policy.weights.out_of_district, 10.0);
    assert_eq!(policy.weights.moves, 1.0);
    assert_eq!(policy.weights.walk_km, 0.1);

    let area = &instance.areas[0];
    assert_eq!(area.name, "A1");
    assert_eq!(area.district, "");
    assert_eq!(
        area.location,
        Point::Wgs84 {
            lat: 52.22,
            lon: 6.89
        }
    );
    assert_eq!(area.residents, None);
    assert_eq!(area.noni, 0);
    assert_eq!(area.care_weight, 1.0);

    let practice = &instance.practices[0];
    assert_eq!(practice.name, "P1");
    assert_eq!(practice.fte, 2.0);
    assert_eq!(practice.ceiling, None);
    assert!(practice.accepting);
    assert_eq!(practice.max_intake_per_phase, None);
    assert_eq!(practice.max_outflow_per_phase, None);
    assert!(practice.changes.is_empty());
    assert!(instance.registrations.is_empty());
    assert!(instance.walk_graph.is_none());
    assert_eq!(instance.intake_limit(0), Some(150));
}

#[test]
fn explicit_null_limits_mean_no_limit() {
    let doc = with(
        minimal(),
        "/policy",
        json!({"max_moves_per_phase": null, "max_intake_per_phase": null, "max_outflow_per_phase": 20}),
    );
    let policy = parse(&doc).policy;
    assert_eq!(policy.max_moves_per_phase, None);
    assert_eq!(policy.max_intake_per_phase, None);
    assert_eq!(policy.max_outflow_per_phase, Some(20));
}

#[test]
fn rich_instance_converts_ids_to_indices_and_sorts_changes_by_phase() {
    let instance = parse(&rich());
    assert_eq!(instance.name, "Enschede 2025");
    assert_eq!(instance.policy.phase_labels[3], "2026-Q4");
    assert_eq!(instance.areas[0].name, "Stadsweide");
    assert_eq!(instance.areas[0].residents, Some(2310));
    let phases: Vec<usize> = instance.practices[0]
        .changes
        .iter()
        .map(|c| c.phase)
        .collect();
    assert_eq!(phases, [2, 3]);
    assert_eq!(instance.ceiling(0, 2), 4000.0);
    assert_eq!(
        instance.registrations,
        [
            Registration {
                area: 0,
                practice: 0,
                patients: 800
            },
            Registration {
                area: 1,
                practice: 1,
                patients: 10
            },
        ]
    );
    let graph = instance.walk_graph.expect("graph");
    assert_eq!(graph.nodes.len(), 2);
    assert_eq!(graph.edges, [(0, 1, 1100.0)]);
}

#[test]
fn rd_new_coordinates_are_accepted_throughout() {
    let doc = with(
        with(
            minimal(),
            "/areas/0/location",
            json!({"x": 258000.5, "y": 471000}),
        ),
        "/practices/0/location",
        json!({"x": 258100, "y": 471200}),
    );
    let instance = parse(&doc);
    assert_eq!(
        instance.areas[0].location,
        Point::Rd {
            x: 258000.5,
            y: 471000.0
        }
    );
}

#[test]
fn fractional_ceilings_are_real_numbers() {
    let doc = with(minimal(), "/practices/0/ceiling", json!(5028.5));
    assert_eq!(parse(&doc).practices[0].ceiling, Some(5028.5));
}

#[test]
fn extensions_hold_anything_and_walk_graph_may_be_null() {
    let doc = with(
        with(
            minimal(),
            "/extensions",
            json!({"gis": {"whatever": [1, "two", null]}}),
        ),
        "/walk_graph",
        Value::Null,
    );
    assert!(parse(&doc).walk_graph.is_none());
}

#[test]
fn duplicate_registrations_are_summed_and_empty_ones_dropped() {
    let doc = with(
        rich(),
        "/registrations",
        json!([
            {"area": "A2", "practice": "P1", "patients": 5},
            {"area": "A1", "practice": "P2", "patients": 0},
            {"area": "A1", "practice": "P1", "patients": 800},
            {"area": "A2", "practice": "P1", "patients": 7},
            {"area": "A1", "practice": "P1", "patients": 12}
        ]),
    );
    assert_eq!(
        parse(&doc).registrations,
        [
            Registration {
                area: 0,
                practice: 0,
                patients: 812
            },
            Registration {
                area: 1,
                practice: 0,
                patients: 12
            },
        ]
    );
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let text = format!("\u{feff}{}", minimal());
    assert!(parse_instance(&text).is_ok());
}

// ---- syntax ---------------------------------------------------------------------------------

#[test]
fn syntax_errors_report_line_and_column() {
    let text = "{\n  \"format\": \"spreiding/instance@1\",\n  \"areas\": [,]\n}";
    match parse_instance(text) {
        Err(InstanceError::Syntax {
            line,
            column,
            message,
        }) => {
            assert_eq!((line, column), (3, 13));
            assert!(
                !message.contains("line"),
                "position repeated in {message:?}"
            );
            assert!(message.contains("expected value"), "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn syntax_error_display_names_the_position() {
    let error = parse_instance("{\"format\": ").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid JSON at line 1, column 11: EOF while parsing a value"
    );
}

// ---- one rule at a time ---------------------------------------------------------------------

#[test]
fn a_top_level_array_is_a_wrong_type() {
    check_problem("[1, 2]", "", "wrong_type");
}

#[test]
fn another_format_is_reported_alone() {
    let doc = with(
        with(minimal(), "/format", json!("spreiding/plan@1")),
        "/status",
        json!("optimal"),
    );
    let message = check_problem(&doc.to_string(), "format", "wrong_format");
    assert!(message.contains("plan"), "{message}");
}

#[test]
fn missing_required_fields_are_reported_with_their_paths() {
    for (pointer, path) in [
        ("/format", "format"),
        ("/areas", "areas"),
        ("/practices", "practices"),
        ("/practices/0/fte", "practices[0].fte"),
        ("/practices/0/location", "practices[0].location"),
        ("/areas/0/id", "areas[0].id"),
    ] {
        check_problem(
            &without(minimal(), pointer).to_string(),
            path,
            "missing_field",
        );
    }
}

#[test]
fn unknown_fields_suggest_a_close_known_field() {
    let message = check_set(
        "/practices/0/ftee",
        json!(2),
        "practices[0].ftee",
        "unknown_field",
    );
    assert!(message.contains("did you mean \"fte\""), "{message}");
    let message = check_set(
        "/policy",
        json!({"weights": {"mvoe": 1}}),
        "policy.weights.mvoe",
        "unknown_field",
    );
    assert!(message.contains("did you mean \"move\""), "{message}");
    let message = check_set("/colour", json!("red"), "colour", "unknown_field");
    assert!(message.contains("extensions"), "{message}");
}

#[test]
fn numbers_written_as_strings_are_wrong_types() {
    let message = check_set(
        "/practices/0/fte",
        json!("3"),
        "practices[0].fte",
        "wrong_type",
    );
    assert!(
        message.starts_with("must be a number, got string \"3\""),
        "{message}"
    );
    check_set(
        "/areas/0/residents",
        json!("2310"),
        "areas[0].residents",
        "wrong_type",
    );
}

#[test]
fn other_wrong_types_are_reported_with_their_paths() {
    for (pointer, value, path) in [
        ("/name", Value::Null, "name"),
        ("/practices/0/accepting", json!(1), "practices[0].accepting"),
        (
            "/practices/0/changes",
            json!([{"phase": 1, "closes": "yes"}]),
            "practices[0].changes[0].closes",
        ),
        ("/areas/0/district", json!(7), "areas[0].district"),
        (
            "/policy",
            json!({"phase_labels": [1, "b", "c", "d"]}),
            "policy.phase_labels[0]",
        ),
        ("/areas/0", json!("A1"), "areas[0]"),
        ("/registrations", json!({}), "registrations"),
        ("/walk_graph", json!([]), "walk_graph"),
    ] {
        check_set(pointer, value, path, "wrong_type");
    }
}

#[test]
fn counts_must_be_json_integers() {
    let doc = with(rich(), "/registrations/1/patients", json!(12.5));
    check_problem(&doc.to_string(), "registrations[1].patients", "not_integer");
    let doc = with(rich(), "/registrations/1/patients", json!(12.0));
    let message = check_problem(&doc.to_string(), "registrations[1].patients", "not_integer");
    assert!(message.contains("write 12"), "{message}");
    check_set(
        "/practices/0/max_intake_per_phase",
        json!(2.5),
        "practices[0].max_intake_per_phase",
        "not_integer",
    );
}

#[test]
fn negative_counts_are_reported_with_their_paths() {
    for (pointer, value, path) in [
        ("/areas/0/noni", json!(-1), "areas[0].noni"),
        ("/areas/0/residents", json!(-3.0), "areas[0].residents"),
        (
            "/policy",
            json!({"max_moves_per_phase": -5}),
            "policy.max_moves_per_phase",
        ),
        (
            "/practices/0/max_outflow_per_phase",
            json!(-1),
            "practices[0].max_outflow_per_phase",
        ),
        ("/practices/0/ceiling", json!(-1), "practices[0].ceiling"),
        (
            "/practices/0/changes",
            json!([{"phase": 2, "ceiling": -10}]),
            "practices[0].changes[0].ceiling",
        ),
        ("/policy", json!({"max_walk_m": -1}), "policy.max_walk_m"),
        (
            "/policy",
            json!({"weights": {"move": -1}}),
            "policy.weights.move",
        ),
    ] {
        check_set(pointer, value, path, "negative");
    }
    let doc = with(rich(), "/registrations/0/patients", json!(-4));
    check_problem(&doc.to_string(), "registrations[0].patients", "negative");
}

#[test]
fn negative_fte_is_reported_with_its_path() {
    let message = check_set(
        "/practices/0/fte",
        json!(-1),
        "practices[0].fte",
        "fte_not_positive",
    );
    assert_eq!(message, "must be > 0, got -1");
    check_set(
        "/practices/0/changes",
        json!([{"phase": 2, "fte": 0}]),
        "practices[0].changes[0].fte",
        "fte_not_positive",
    );
}

#[test]
fn policy_ranges_are_reported_with_their_codes() {
    for (policy, path, code) in [
        (
            json!({"norm_per_fte": 0}),
            "policy.norm_per_fte",
            "norm_not_positive",
        ),
        (
            json!({"ceiling_ratio": -0.5}),
            "policy.ceiling_ratio",
            "ceiling_ratio_not_positive",
        ),
        (
            json!({"detour_factor": 0.9}),
            "policy.detour_factor",
            "detour_below_one",
        ),
        (json!({"phases": 0}), "policy.phases", "phases_out_of_range"),
        (
            json!({"phases": 121}),
            "policy.phases",
            "phases_out_of_range",
        ),
        (
            json!({"phases": 10_000_000_000u64}),
            "policy.phases",
            "phases_out_of_range",
        ),
        (
            json!({"phases": 2, "phase_labels": ["a", "b", "c"]}),
            "policy.phase_labels",
            "phase_labels_count",
        ),
    ] {
        check_set("/policy", policy, path, code);
    }
    check_set(
        "/areas/0/care_weight",
        json!(0),
        "areas[0].care_weight",
        "care_weight_not_positive",
    );
}

#[test]
fn a_change_outside_the_horizon_names_the_range() {
    let message = check_set(
        "/practices/0/changes",
        json!([{"phase": 2, "closes": true}, {"phase": 5, "fte": 1}]),
        "practices[0].changes[1].phase",
        "phase_out_of_range",
    );
    assert!(message.contains("between 1 and 4"), "{message}");
    check_set(
        "/practices/0/changes",
        json!([{"phase": 0, "fte": 1}]),
        "practices[0].changes[0].phase",
        "phase_out_of_range",
    );
}

#[test]
fn a_change_that_sets_nothing_is_reported() {
    check_set(
        "/practices/0/changes",
        json!([{"phase": 2, "fte": null}]),
        "practices[0].changes[0]",
        "empty_change",
    );
}

#[test]
fn bad_locations_are_reported_with_their_paths() {
    for (location, path) in [
        (json!({"lat": 91, "lon": 6.9}), "areas[0].location.lat"),
        (json!({"lat": 52.2, "lon": -181}), "areas[0].location.lon"),
        (json!({"lat": 52.2, "lng": 6.9}), "areas[0].location"),
        (
            json!({"lat": 52.2, "lon": 6.9, "x": 1}),
            "areas[0].location",
        ),
        (json!({}), "areas[0].location"),
        (json!("Stadsweide"), "areas[0].location"),
    ] {
        check_set("/areas/0/location", location, path, "bad_location");
    }
}

#[test]
fn mixing_coordinate_systems_names_the_first_one() {
    let message = check_set(
        "/practices/0/location",
        json!({"x": 258000, "y": 471000}),
        "practices[0].location",
        "mixed_coordinates",
    );
    assert!(
        message.contains("WGS84") && message.contains("areas[0].location"),
        "{message}"
    );
}

#[test]
fn ids_must_be_non_empty_and_unique() {
    check_set("/areas/0/id", json!(""), "areas[0].id", "empty_id");
    let doc = with(rich(), "/practices/1/id", json!("P1"));
    let found = problems(&doc.to_string());
    assert_eq!(
        paths_and_codes(&found),
        [
            ("practices[1].id", "duplicate_id"),
            ("registrations[1].practice", "unknown_practice"),
        ]
    );
    assert!(found[0].message.contains("practices[0]"), "{}", found[0]);
    let node = json!({"id": "n1", "location": {"lat": 52.24, "lon": 6.89}});
    let mut doc = rich();
    doc["walk_graph"]["nodes"]
        .as_array_mut()
        .unwrap()
        .push(node);
    check_problem(&doc.to_string(), "walk_graph.nodes[2].id", "duplicate_id");
}

#[test]
fn unknown_references_suggest_a_close_id() {
    let doc = with(rich(), "/registrations/1/area", json!("A3"));
    let message = check_problem(&doc.to_string(), "registrations[1].area", "unknown_area");
    assert!(message.contains("did you mean \"A1\""), "{message}");
    let doc = with(
        rich(),
        "/registrations/0/practice",
        json!("Huisartsen Noord"),
    );
    let message = check_problem(
        &doc.to_string(),
        "registrations[0].practice",
        "unknown_practice",
    );
    assert!(!message.contains("did you mean"), "{message}");
}

#[test]
fn walk_graph_edges_need_known_nodes_and_sane_lengths() {
    let doc = with(rich(), "/walk_graph/edges/0/to", json!("n3"));
    check_problem(&doc.to_string(), "walk_graph.edges[0].to", "unknown_node");
    let doc = with(rich(), "/walk_graph/edges/0/length_m", json!(-1));
    check_problem(
        &doc.to_string(),
        "walk_graph.edges[0].length_m",
        "bad_length",
    );
    let doc = with(
        rich(),
        "/walk_graph/nodes/1/location",
        json!({"x": 1, "y": 2}),
    );
    check_problem(
        &doc.to_string(),
        "walk_graph.nodes[1].location",
        "mixed_coordinates",
    );
}

#[test]
fn magnitudes_no_instance_needs_are_refused_with_their_paths() {
    // A care weight of 1e20 made HiGHS refuse the model (exit 1), a practice at y = 1e308
    // made the walking distance and the objective infinite (a plan `verify` rejected).
    let message = check_set(
        "/areas/0/care_weight",
        json!(1e20),
        "areas[0].care_weight",
        "too_large",
    );
    assert_eq!(
        message,
        "must be at most 100 in size, got 1e20; no real instance comes near"
    );
    check_set(
        "/policy",
        json!({"detour_factor": 101}),
        "policy.detour_factor",
        "too_large",
    );
    check_set(
        "/policy",
        json!({"weights": {"walk_km": 1e308}}),
        "policy.weights.walk_km",
        "too_large",
    );
    let doc = with(rich(), "/walk_graph/edges/0/length_m", json!(1e12));
    check_problem(
        &doc.to_string(),
        "walk_graph.edges[0].length_m",
        "too_large",
    );
    let rd = json!({
        "format": "spreiding/instance@1",
        "areas": [{"id": "A1", "location": {"x": 250000, "y": 470000}}],
        "practices": [{"id": "P1", "location": {"x": 250500, "y": -1e308}, "fte": 1.0}]
    });
    check_problem(&rd.to_string(), "practices[0].location.y", "too_large");
    // The maxima themselves are accepted.
    let doc = with(rich(), "/areas/0/care_weight", json!(100));
    let doc = with(doc, "/policy/detour_factor", json!(100));
    assert_eq!(parse(&doc).areas[0].care_weight, 100.0);
}

#[test]
fn residents_below_registrations_plus_noni_is_not_an_error() {
    let doc = with(rich(), "/areas/0/residents", json!(10));
    assert_eq!(parse(&doc).areas[0].residents, Some(10));
}

// ---- several problems at once ----------------------------------------------------------------

#[test]
fn every_problem_is_reported_in_document_order() {
    let doc = json!({
        "format": "spreiding/instance@1",
        "practices": [
            {"id": "P1", "location": {"lat": 52.2, "lon": 6.9}, "fte": "2"},
            {"id": "P1", "location": {"lat": 52.2, "lon": 6.9}, "fte": -1, "colour": "red"}
        ],
        "areas": [{"id": "A1", "location": {"lat": 52.2, "lon": 6.9}, "noni": 2.5}],
        "registrations": [{"area": "A9", "practice": "P1", "patients": 3}],
        "policy": {"phases": 2, "detour_factor": 0.5}
    });
    let found = problems(&doc.to_string());
    assert_eq!(
        paths_and_codes(&found),
        [
            ("practices[0].fte", "wrong_type"),
            ("practices[1].id", "duplicate_id"),
            ("practices[1].fte", "fte_not_positive"),
            ("practices[1].colour", "unknown_field"),
            ("areas[0].noni", "not_integer"),
            ("registrations[0].area", "unknown_area"),
            ("policy.detour_factor", "detour_below_one"),
        ]
    );
}

#[test]
fn problems_under_a_rejected_value_are_not_echoed() {
    let doc = json!({
        "format": "spreiding/instance@1",
        "policy": {"phases": "4"},
        "areas": [{"id": 7, "location": {"lat": 52.2, "lon": 6.9}}, "A2"],
        "practices": [{"id": "P1", "location": {"lat": 52.2}, "fte": 1,
                       "changes": [{"phase": 9, "fte": 1}, {"phase": 2, "ceiling": "4000"}]},
                      {"id": "P2", "location": {"x": 1, "y": 2}, "fte": 1}],
        "registrations": [{"area": "7", "practice": "P1", "patients": 1}]
    });
    let found = problems(&doc.to_string());
    assert_eq!(
        paths_and_codes(&found),
        [
            ("policy.phases", "wrong_type"),
            ("areas[0].id", "wrong_type"),
            ("areas[1]", "wrong_type"),
            ("practices[0].location", "bad_location"),
            ("practices[0].changes[1].ceiling", "wrong_type"),
            ("practices[1].location", "mixed_coordinates"),
        ]
    );
}

#[test]
fn invalid_error_counts_its_problems_and_problems_display_path_message_and_code() {
    let doc = with(
        with(minimal(), "/practices/0/fte", json!(-1)),
        "/areas/0/noni",
        json!(-2),
    );
    let error = parse_instance(&doc.to_string()).unwrap_err();
    assert_eq!(error.to_string(), "the instance has 2 problem(s)");
    let found = problems_of(error);
    assert_eq!(
        found[0].to_string(),
        "areas[0].noni: must be ≥ 0, got -2 [negative]"
    );
    assert_eq!(
        found[1].to_string(),
        "practices[0].fte: must be > 0, got -1 [fte_not_positive]"
    );
}

// ---- the other entry points ------------------------------------------------------------------

#[test]
fn instance_from_value_accepts_a_parsed_document() {
    let instance = instance_from_value(&rich()).expect("valid");
    assert_eq!(instance.practices.len(), 2);
}

#[test]
fn instance_from_file_runs_the_same_semantic_rules() {
    let mut file: InstanceFile = serde_json::from_value(rich()).expect("deserializes");
    file.practices[1].fte = f64::NAN;
    file.policy.phases = 0;
    file.registrations[0].area = "A7".to_string();
    let found = instance_from_file(&file).unwrap_err();
    assert_eq!(
        paths_and_codes(&found),
        [
            ("policy.phases", "phases_out_of_range"),
            ("practices[1].fte", "fte_not_positive"),
            ("registrations[0].area", "unknown_area"),
        ]
    );
}

#[test]
fn instance_from_file_converts_a_valid_struct() {
    let file: InstanceFile = serde_json::from_value(rich()).expect("deserializes");
    assert_eq!(instance_from_file(&file).expect("valid"), parse(&rich()));
}
