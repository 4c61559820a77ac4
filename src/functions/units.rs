//! `convert_angle`, `convert_energy`, `convert_force`, `convert_length`, `convert_mass`,
//! `convert_speed`, `convert_temperature`, `convert_volume`: Kusto converts with the
//! UnitsNet library, so the unit names and factors here are UnitsNet's (one factor
//! per unit, to the quantity's base unit). An unknown unit gives null.

use super::{pure, sig, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &[
    "convert_angle",
    "convert_energy",
    "convert_force",
    "convert_length",
    "convert_mass",
    "convert_speed",
    "convert_temperature",
    "convert_volume",
];

/// How one unit relates to the base unit: `base = x * factor`, except for the
/// non-linear ones.
#[derive(Clone, Copy)]
enum Rule {
    Factor(f64),
    /// `base = x * a + b` (temperature scales).
    Affine(f64, f64),
    /// Angle given as sin(θ).
    Tilt,
}

const PI: f64 = std::f64::consts::PI;

const ANGLE: &[(&str, Rule)] = &[
    ("Degree", Rule::Factor(1.0)),
    ("Millidegree", Rule::Factor(1e-3)),
    ("Microdegree", Rule::Factor(1e-6)),
    ("Nanodegree", Rule::Factor(1e-9)),
    ("Radian", Rule::Factor(180.0 / PI)),
    ("Deciradian", Rule::Factor(180.0 / PI * 1e-1)),
    ("Centiradian", Rule::Factor(180.0 / PI * 1e-2)),
    ("Milliradian", Rule::Factor(180.0 / PI * 1e-3)),
    ("Microradian", Rule::Factor(180.0 / PI * 1e-6)),
    ("Nanoradian", Rule::Factor(180.0 / PI * 1e-9)),
    ("Arcminute", Rule::Factor(1.0 / 60.0)),
    ("Arcsecond", Rule::Factor(1.0 / 3600.0)),
    ("Gradian", Rule::Factor(0.9)),
    ("NatoMil", Rule::Factor(9.0 / 160.0)),
    ("Revolution", Rule::Factor(360.0)),
    ("Tilt", Rule::Tilt),
];

const ENERGY: &[(&str, Rule)] = &[
    ("Joule", Rule::Factor(1.0)),
    ("Millijoule", Rule::Factor(1e-3)),
    ("Kilojoule", Rule::Factor(1e3)),
    ("Megajoule", Rule::Factor(1e6)),
    ("Gigajoule", Rule::Factor(1e9)),
    ("Calorie", Rule::Factor(4.184)),
    ("Kilocalorie", Rule::Factor(4.184e3)),
    ("Megacalorie", Rule::Factor(4.184e6)),
    ("BritishThermalUnit", Rule::Factor(1055.05585262)),
    ("KilobritishThermalUnit", Rule::Factor(1055.05585262e3)),
    ("MegabritishThermalUnit", Rule::Factor(1055.05585262e6)),
    ("GigabritishThermalUnit", Rule::Factor(1055.05585262e9)),
    ("ElectronVolt", Rule::Factor(1.602176565e-19)),
    ("KiloelectronVolt", Rule::Factor(1.602176565e-16)),
    ("MegaelectronVolt", Rule::Factor(1.602176565e-13)),
    ("GigaelectronVolt", Rule::Factor(1.602176565e-10)),
    ("TeraelectronVolt", Rule::Factor(1.602176565e-7)),
    ("FootPound", Rule::Factor(1.355817948)),
    ("Erg", Rule::Factor(1e-7)),
    ("WattHour", Rule::Factor(3600.0)),
    ("KilowattHour", Rule::Factor(3600e3)),
    ("MegawattHour", Rule::Factor(3600e6)),
    ("GigawattHour", Rule::Factor(3600e9)),
    ("TerawattHour", Rule::Factor(3600e12)),
    ("WattDay", Rule::Factor(86400.0)),
    ("KilowattDay", Rule::Factor(86400e3)),
    ("MegawattDay", Rule::Factor(86400e6)),
    ("GigawattDay", Rule::Factor(86400e9)),
    ("TerawattDay", Rule::Factor(86400e12)),
    ("ThermEc", Rule::Factor(1.05505585262e8)),
    ("DecathermEc", Rule::Factor(1.05505585262e9)),
    ("ThermUs", Rule::Factor(1.054804e8)),
    ("DecathermUs", Rule::Factor(1.054804e9)),
    ("ThermImperial", Rule::Factor(1.05505585257348e8)),
    ("DecathermImperial", Rule::Factor(1.05505585257348e9)),
    ("HorsepowerHour", Rule::Factor(2.6845195377e6)),
];

const FORCE: &[(&str, Rule)] = &[
    ("Newton", Rule::Factor(1.0)),
    ("Micronewton", Rule::Factor(1e-6)),
    ("Millinewton", Rule::Factor(1e-3)),
    ("Decanewton", Rule::Factor(1e1)),
    ("Kilonewton", Rule::Factor(1e3)),
    ("Meganewton", Rule::Factor(1e6)),
    ("Dyn", Rule::Factor(1e-5)),
    ("KilogramForce", Rule::Factor(9.80665002864)),
    ("TonneForce", Rule::Factor(9.80665002864e3)),
    ("KiloPond", Rule::Factor(9.80665002864)),
    ("Poundal", Rule::Factor(0.138_255_027_989_730_4)),
    ("PoundForce", Rule::Factor(4.448_221_615_260_51)),
    ("KilopoundForce", Rule::Factor(4.448_221_615_260_51e3)),
    ("OunceForce", Rule::Factor(2.780138509537812e-1)),
    ("ShortTonForce", Rule::Factor(8.896443230521e3)),
];

const LENGTH: &[(&str, Rule)] = &[
    ("Meter", Rule::Factor(1.0)),
    ("Nanometer", Rule::Factor(1e-9)),
    ("Micrometer", Rule::Factor(1e-6)),
    ("Millimeter", Rule::Factor(1e-3)),
    ("Centimeter", Rule::Factor(1e-2)),
    ("Decimeter", Rule::Factor(1e-1)),
    ("Decameter", Rule::Factor(1e1)),
    ("Hectometer", Rule::Factor(1e2)),
    ("Kilometer", Rule::Factor(1e3)),
    ("Angstrom", Rule::Factor(1e-10)),
    ("AstronomicalUnit", Rule::Factor(1.4959787070e11)),
    ("Chain", Rule::Factor(20.1168)),
    ("DataMile", Rule::Factor(1828.8)),
    ("DtpPica", Rule::Factor(1.0 / 236.220472441)),
    ("DtpPoint", Rule::Factor(2.54e-2 / 72.0)),
    ("Fathom", Rule::Factor(1.8288)),
    ("Foot", Rule::Factor(0.3048)),
    ("Hand", Rule::Factor(1.016e-1)),
    ("Inch", Rule::Factor(2.54e-2)),
    ("LightYear", Rule::Factor(9.46073047258e15)),
    ("KilolightYear", Rule::Factor(9.46073047258e18)),
    ("MegalightYear", Rule::Factor(9.46073047258e21)),
    ("Parsec", Rule::Factor(3.08567758128e16)),
    ("Kiloparsec", Rule::Factor(3.08567758128e19)),
    ("Megaparsec", Rule::Factor(3.08567758128e22)),
    ("Microinch", Rule::Factor(2.54e-8)),
    ("Mil", Rule::Factor(2.54e-5)),
    ("Mile", Rule::Factor(1609.34)),
    ("NauticalMile", Rule::Factor(1852.0)),
    ("PrinterPica", Rule::Factor(1.0 / 237.106301584)),
    ("PrinterPoint", Rule::Factor(2.54e-2 / 72.27)),
    ("Shackle", Rule::Factor(27.432)),
    ("SolarRadius", Rule::Factor(6.95510000e8)),
    ("Twip", Rule::Factor(1.0 / 56692.913385826)),
    ("UsSurveyFoot", Rule::Factor(1200.0 / 3937.0)),
    ("Yard", Rule::Factor(0.9144)),
];

const MASS: &[(&str, Rule)] = &[
    ("Kilogram", Rule::Factor(1.0)),
    ("Gram", Rule::Factor(1e-3)),
    ("Nanogram", Rule::Factor(1e-12)),
    ("Microgram", Rule::Factor(1e-9)),
    ("Milligram", Rule::Factor(1e-6)),
    ("Centigram", Rule::Factor(1e-5)),
    ("Decigram", Rule::Factor(1e-4)),
    ("Decagram", Rule::Factor(1e-2)),
    ("Hectogram", Rule::Factor(1e-1)),
    ("Tonne", Rule::Factor(1e3)),
    ("Kilotonne", Rule::Factor(1e6)),
    ("Megatonne", Rule::Factor(1e9)),
    ("ShortTon", Rule::Factor(9.0718474e2)),
    ("LongTon", Rule::Factor(1.0160469088e3)),
    ("Pound", Rule::Factor(0.45359237)),
    ("Kilopound", Rule::Factor(0.45359237e3)),
    ("Megapound", Rule::Factor(0.45359237e6)),
    ("Ounce", Rule::Factor(0.028349523125)),
    ("Slug", Rule::Factor(1.0 / 6.852176556196105e-2)),
    ("Stone", Rule::Factor(1.0 / 0.1574731728702698)),
    (
        "ShortHundredweight",
        Rule::Factor(1.0 / 0.022046226218487758),
    ),
    ("LongHundredweight", Rule::Factor(1.0 / 0.01968413055222121)),
    ("Grain", Rule::Factor(1.0 / 15432.358352941431)),
    ("SolarMass", Rule::Factor(1.98947e30)),
    ("EarthMass", Rule::Factor(5.9722e24)),
];

const SPEED: &[(&str, Rule)] = &[
    ("MeterPerSecond", Rule::Factor(1.0)),
    ("NanometerPerSecond", Rule::Factor(1e-9)),
    ("MicrometerPerSecond", Rule::Factor(1e-6)),
    ("MillimeterPerSecond", Rule::Factor(1e-3)),
    ("CentimeterPerSecond", Rule::Factor(1e-2)),
    ("DecimeterPerSecond", Rule::Factor(1e-1)),
    ("KilometerPerSecond", Rule::Factor(1e3)),
    ("MeterPerMinute", Rule::Factor(1.0 / 60.0)),
    ("NanometerPerMinute", Rule::Factor(1e-9 / 60.0)),
    ("MicrometerPerMinute", Rule::Factor(1e-6 / 60.0)),
    ("MillimeterPerMinute", Rule::Factor(1e-3 / 60.0)),
    ("CentimeterPerMinute", Rule::Factor(1e-2 / 60.0)),
    ("DecimeterPerMinute", Rule::Factor(1e-1 / 60.0)),
    ("KilometerPerMinute", Rule::Factor(1e3 / 60.0)),
    ("MeterPerHour", Rule::Factor(1.0 / 3600.0)),
    ("MillimeterPerHour", Rule::Factor(1e-3 / 3600.0)),
    ("CentimeterPerHour", Rule::Factor(1e-2 / 3600.0)),
    ("KilometerPerHour", Rule::Factor(1e3 / 3600.0)),
    ("FootPerSecond", Rule::Factor(0.3048)),
    ("FootPerMinute", Rule::Factor(0.3048 / 60.0)),
    ("FootPerHour", Rule::Factor(0.3048 / 3600.0)),
    ("UsSurveyFootPerSecond", Rule::Factor(1200.0 / 3937.0)),
    (
        "UsSurveyFootPerMinute",
        Rule::Factor(1200.0 / 3937.0 / 60.0),
    ),
    (
        "UsSurveyFootPerHour",
        Rule::Factor(1200.0 / 3937.0 / 3600.0),
    ),
    ("InchPerSecond", Rule::Factor(2.54e-2)),
    ("InchPerMinute", Rule::Factor(2.54e-2 / 60.0)),
    ("InchPerHour", Rule::Factor(2.54e-2 / 3600.0)),
    ("YardPerSecond", Rule::Factor(0.9144)),
    ("YardPerMinute", Rule::Factor(0.9144 / 60.0)),
    ("YardPerHour", Rule::Factor(0.9144 / 3600.0)),
    ("Knot", Rule::Factor(0.514444)),
    ("MilePerHour", Rule::Factor(0.44704)),
    ("Mach", Rule::Factor(340.29)),
];

const TEMPERATURE: &[(&str, Rule)] = &[
    ("Kelvin", Rule::Factor(1.0)),
    ("DegreeCelsius", Rule::Affine(1.0, 273.15)),
    ("MillidegreeCelsius", Rule::Affine(1e-3, 273.15)),
    ("DegreeDelisle", Rule::Affine(-2.0 / 3.0, 373.15)),
    (
        "DegreeFahrenheit",
        Rule::Affine(5.0 / 9.0, 459.67 * 5.0 / 9.0),
    ),
    ("DegreeNewton", Rule::Affine(100.0 / 33.0, 273.15)),
    ("DegreeRankine", Rule::Factor(5.0 / 9.0)),
    ("DegreeReaumur", Rule::Affine(5.0 / 4.0, 273.15)),
    (
        "DegreeRoemer",
        Rule::Affine(40.0 / 21.0, 273.15 - 7.5 * 40.0 / 21.0),
    ),
    ("SolarTemperature", Rule::Factor(5778.0)),
];

// UnitsNet writes some factors with more digits than a double holds.
#[allow(clippy::excessive_precision)]
const VOLUME: &[(&str, Rule)] = &[
    ("CubicMeter", Rule::Factor(1.0)),
    ("HectocubicMeter", Rule::Factor(1e2)),
    ("KilocubicMeter", Rule::Factor(1e3)),
    ("Liter", Rule::Factor(1e-3)),
    ("Microliter", Rule::Factor(1e-9)),
    ("Milliliter", Rule::Factor(1e-6)),
    ("Centiliter", Rule::Factor(1e-5)),
    ("Deciliter", Rule::Factor(1e-4)),
    ("Decaliter", Rule::Factor(1e-2)),
    ("Hectoliter", Rule::Factor(1e-1)),
    ("Kiloliter", Rule::Factor(1.0)),
    ("Megaliter", Rule::Factor(1e3)),
    ("CubicKilometer", Rule::Factor(1e9)),
    ("CubicHectometer", Rule::Factor(1e6)),
    ("CubicDecimeter", Rule::Factor(1e-3)),
    ("CubicCentimeter", Rule::Factor(1e-6)),
    ("CubicMillimeter", Rule::Factor(1e-9)),
    ("CubicMicrometer", Rule::Factor(1e-18)),
    ("CubicMile", Rule::Factor(4.16818182544058e9)),
    ("CubicYard", Rule::Factor(0.764554858)),
    ("CubicFoot", Rule::Factor(0.0283168)),
    ("HectocubicFoot", Rule::Factor(0.0283168e2)),
    ("KilocubicFoot", Rule::Factor(0.0283168e3)),
    ("MegacubicFoot", Rule::Factor(0.0283168e6)),
    ("CubicInch", Rule::Factor(1.6387e-5)),
    (
        "ImperialGallon",
        Rule::Factor(0.00454609000000181429905810072407),
    ),
    (
        "KiloimperialGallon",
        Rule::Factor(4.54609000000181429905810072407),
    ),
    (
        "MegaimperialGallon",
        Rule::Factor(4546.09000000181429905810072407),
    ),
    (
        "ImperialOunce",
        Rule::Factor(2.8413062499962901241875439064617e-5),
    ),
    ("ImperialPint", Rule::Factor(5.6826125e-4)),
    ("ImperialBeerBarrel", Rule::Factor(0.16365924)),
    ("UsGallon", Rule::Factor(0.00378541)),
    ("DeciusGallon", Rule::Factor(0.000378541)),
    ("DecausGallon", Rule::Factor(0.0378541)),
    ("HectousGallon", Rule::Factor(0.378541)),
    ("KilousGallon", Rule::Factor(3.78541)),
    ("MegausGallon", Rule::Factor(3785.41)),
    ("UsOunce", Rule::Factor(2.957352956253760505068307980135e-5)),
    ("UsTablespoon", Rule::Factor(1.478676478125e-5)),
    ("AuTablespoon", Rule::Factor(2e-5)),
    ("UkTablespoon", Rule::Factor(1.5e-5)),
    ("MetricTeaspoon", Rule::Factor(0.5e-5)),
    ("UsTeaspoon", Rule::Factor(4.92892159375e-6)),
    ("MetricCup", Rule::Factor(0.00025)),
    ("UsCustomaryCup", Rule::Factor(0.0002365882365)),
    ("UsLegalCup", Rule::Factor(0.00024)),
    ("OilBarrel", Rule::Factor(0.158987294928)),
    ("UsBeerBarrel", Rule::Factor(0.1173477658)),
    ("UsQuart", Rule::Factor(9.46352946e-4)),
    ("UsPint", Rule::Factor(4.73176473e-4)),
    ("AcreFoot", Rule::Factor(1.0 / 0.000810714)),
    ("BoardFoot", Rule::Factor(2.3597372158e-3)),
];

fn table(name: &str) -> &'static [(&'static str, Rule)] {
    match name {
        "convert_angle" => ANGLE,
        "convert_energy" => ENERGY,
        "convert_force" => FORCE,
        "convert_length" => LENGTH,
        "convert_mass" => MASS,
        "convert_speed" => SPEED,
        "convert_temperature" => TEMPERATURE,
        _ => VOLUME,
    }
}

fn find(units: &[(&str, Rule)], name: &str) -> Option<Rule> {
    units
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, r)| *r)
}

fn to_base(rule: Rule, x: f64) -> f64 {
    match rule {
        Rule::Factor(f) => x * f,
        Rule::Affine(a, b) => x * a + b,
        Rule::Tilt => x.asin() * 180.0 / PI,
    }
}

fn from_base(rule: Rule, x: f64) -> f64 {
    match rule {
        Rule::Factor(f) => x / f,
        Rule::Affine(a, b) => (x - b) / a,
        Rule::Tilt => (x / 180.0 * PI).sin(),
    }
}

/// `convert_X(value, from, to)` on runtime values.
fn convert(units: &[(&str, Rule)], a: &[Value]) -> Value {
    let (Some(x), Value::String(from), Value::String(to)) = (super::num_f64(&a[0]), &a[1], &a[2])
    else {
        return Value::Null;
    };
    match (find(units, from), find(units, to)) {
        // The same unit gives the value back exactly, without a round trip.
        (Some(_), Some(_)) if from.eq_ignore_ascii_case(to) => Value::Real(x),
        (Some(f), Some(t)) => Value::Real(from_base(t, to_base(f, x))),
        _ => Value::Null,
    }
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    if !NAMES.contains(&name) {
        return None;
    }
    let units = table(name);
    Some(
        sig(name, args, 3, 3, &[Want::Num, Want::Str, Want::Str])
            .and_then(|_| pure(Type::Real, move |a| convert(units, a))),
    )
}
