using NodaTime;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using static Custodian.Core.Features.Register.RegisterVocabulary;

namespace Custodian.Core.Features.Register;

/// <summary>
/// Loads and validates <c>policy/register.yaml</c> (<c>custodian register check</c>). Reports every problem in one
/// pass, sorted by position; the register is only returned when there are no errors (warnings are fine).
/// </summary>
internal static class RegisterLoader
{
    public static RegisterLoadResult LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            return new RegisterLoadResult(null, [new RegisterDiagnostic(path, 1, 1, DiagnosticSeverity.Error, RegisterCodes.FileNotFound, $"the register file does not exist; check the path or create it from policy/register.yaml.")]);
        }

        return Load(File.ReadAllText(path), path);
    }

    public static RegisterLoadResult Load(string yamlText, string fileName)
    {
        var context = new YamlReadContext(fileName);
        YamlNode? root = null;
        using var reader = new StringReader(yamlText);
        var scanner = new Scanner(reader);
        const string Fix = "fix the syntax at this position (indentation, a missing `:` or an unclosed quote or bracket)";
        try
        {
            var stream = new YamlStream();
            stream.Load(new Parser(scanner));
            root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        }
        catch (YamlException ex)
        {
            var inner = ex.InnerException is YamlException { } innerYaml ? innerYaml : ex;
            context.Add(WithinText(inner.Start, yamlText), DiagnosticSeverity.Error, RegisterCodes.YamlSyntax, $"the file is not valid YAML ({inner.Message.TrimEnd('.')}); {Fix}.");
            return Finish(context, null);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner can fail this way on input that ends inside a flow collection; where it stopped is the best position we have.
            context.Add(WithinText(scanner.CurrentPosition, yamlText), DiagnosticSeverity.Error, RegisterCodes.YamlSyntax, $"the file is not valid YAML (it ends inside an unfinished value); {Fix}, probably an unclosed `[` or `{{`.");
            return Finish(context, null);
        }

        if (root is null)
        {
            context.Add(Mark.Empty, DiagnosticSeverity.Error, RegisterCodes.MissingKey, "the file is empty; start from the shipped policy/register.yaml.");
            return Finish(context, null);
        }

        var register = new RegisterBinder(context).Bind(root);
        return Finish(context, register);
    }

    /// <summary>
    /// The scanner reports an error at the end of input (an unclosed <c>{</c> in a file without a final line break) on
    /// the line after the last one; an editor cannot jump there, so point at the end of the last line instead.
    /// </summary>
    private static Mark WithinText(Mark mark, string text)
    {
        var lines = 1L;
        var lastStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\u0085' or '\u2028' or '\u2029' || (c == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                lines++;
                lastStart = i + 1;
            }
        }

        return mark.Line <= lines ? mark : new Mark(mark.Index, lines, text.Length - lastStart + 1);
    }

    private static RegisterLoadResult Finish(YamlReadContext context, ProcessingRegister? register)
    {
        var diagnostics = context.Diagnostics
            .OrderBy(d => d.Line)
            .ThenBy(d => d.Column)
            .ThenBy(d => d.Code, StringComparer.Ordinal)
            .ToList();
        var hasErrors = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        return new RegisterLoadResult(hasErrors ? null : register, diagnostics);
    }

    /// <summary>
    /// Binds the YAML tree to the model. Ids are declared and references recorded during the walk; references and the
    /// checks that need data from elsewhere in the file (countries) are resolved after it, so order in the file is free.
    /// </summary>
    private sealed class RegisterBinder(YamlReadContext context)
    {
        private readonly Dictionary<string, Dictionary<string, YamlNode>> _declared = new(StringComparer.Ordinal);
        private readonly List<(string Kind, string Id, YamlNode Node)> _references = [];
        private readonly List<(Processor Processor, YamlNode CountryNode, YamlNode? MechanismNode)> _transfers = [];

        public ProcessingRegister? Bind(YamlNode root)
        {
            var map = context.AsMap(root, "the register", "statement", "services", "data_subjects", "purposes", "categories", "countries", "processors", "sub_processor_changes", "recipients", "disclosures", "rights");
            if (map is null)
            {
                return null;
            }

            var statement = map.Map("statement", "`statement`", true, StatementKeys) is { } s ? ReadStatement(s) : null;
            var services = List(map, "services", "services", n => Named(n, "a service", "services", (id, name) => new Service(id, name)));
            var subjects = List(map, "data_subjects", "data subjects", n => Named(n, "a data subject", "data_subjects", (id, name) => new DataSubjectCategory(id, name)));
            var purposes = List(map, "purposes", "purposes", ReadPurpose);
            var categories = List(map, "categories", "categories", ReadCategory);
            var countries = map.Map("countries", "`countries`", true, "eea", "adequacy", "adequacy_review") is { } c ? ReadCountries(c) : null;
            var processors = List(map, "processors", "processors", ReadProcessor);
            var subProcessorChanges = map.Map("sub_processor_changes", "`sub_processor_changes`", false, "authorisation", "objection_window_days", "pending") is { } spc
                ? ReadSubProcessorChanges(spc)
                : null;
            var recipients = List(map, "recipients", "recipients", ReadRecipient);
            var disclosures = List(map, "disclosures", "disclosures", ReadDisclosure);
            var rights = map.Map("rights", "`rights`", true, "intro", "channels", "verification", "requirements", "requirements_closing", "items") is { } r ? ReadRights(r) : null;

            ResolveReferences();
            if (countries is not null)
            {
                CheckTransfers(countries);
            }

            if (statement is null || services is null || subjects is null || purposes is null || categories is null ||
                countries is null || processors is null || recipients is null || disclosures is null || rights is null)
            {
                return null;
            }

            return new ProcessingRegister(statement, services, subjects, purposes, categories, countries, processors, recipients, disclosures, rights)
            {
                SubProcessorChanges = subProcessorChanges,
            };
        }

        private static readonly string[] BoundKeys = ["min", "max"];

        private static readonly string[] StatementKeys =
            ["last_updated", "title", "controller", "supervisory_authority", "intro", "responsibility", "data_intro", "sharing", "eea_footnote", "contact_intro", "closing"];

        private IReadOnlyList<T>? List<T>(MapReader map, string key, string what, Func<YamlNode, T?> read)
            where T : class =>
            map.Get(key) is { } node ? context.AsList(node, $"`{key}`", read) : null;

        private void Declare(string kind, string? id, YamlNode? node)
        {
            if (id is null || node is null)
            {
                return;
            }

            var ids = _declared.TryGetValue(kind, out var existing) ? existing : _declared[kind] = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            if (ids.TryGetValue(id, out var first))
            {
                context.Error(node, RegisterCodes.DuplicateId, $"`{id}` is already defined in `{kind}` (line {first.Start.Line}); ids must be unique, rename one of them.");
                return;
            }

            ids[id] = node;
        }

        private void Reference(string kind, string? id, YamlNode? node)
        {
            if (id is not null && node is not null)
            {
                _references.Add((kind, id, node));
            }
        }

        private IReadOnlyList<string>? References(MapReader map, string key, string kind, bool required = true)
        {
            if (map.Get(key, required) is not { } node)
            {
                return required ? null : [];
            }

            return context.AsList(node, $"`{key}`", item =>
            {
                var id = context.AsId(item, $"an entry of `{key}`");
                Reference(kind, id, item);
                return id;
            });
        }

        private void ResolveReferences()
        {
            foreach (var (kind, id, node) in _references)
            {
                var ids = _declared.TryGetValue(kind, out var d) ? d : [];
                if (!ids.ContainsKey(id))
                {
                    var known = ids.Count == 0 ? "none are defined yet" : $"defined are: {string.Join(", ", ids.Keys.Select(k => $"`{k}`"))}";
                    context.Error(node, RegisterCodes.UndefinedReference, $"`{id}` is not defined under `{kind}`; add it there or use a defined id ({known}).");
                }
            }
        }

        private T? Named<T>(YamlNode node, string what, string kind, Func<string, LocalizedText, T> create)
            where T : class
        {
            var map = context.AsMap(node, what, "id", "name");
            if (map is null)
            {
                return null;
            }

            var id = map.Id();
            Declare(kind, id, map.Get("id", false));
            var name = map.Text("name");
            return id is null || name is null ? null : create(id, name);
        }

        private LegalReview? ReadLegalReview(MapReader owner)
        {
            if (owner.Map("legal_review", "`legal_review`", false, "reason") is not { } map)
            {
                return null;
            }

            var reason = map.String("reason");
            if (reason is null)
            {
                return null;
            }

            context.Warning(owner.KeyNode("legal_review")!, RegisterCodes.LegalReview, $"{owner.Label} is marked for legal review: {reason} Have a lawyer confirm it, then remove `legal_review`.");
            return new LegalReview(reason);
        }

        private LegalBasis? ReadLegalBasis(MapReader owner, bool required, bool underReview)
        {
            var map = owner.Map("legal_basis", "`legal_basis`", required, "type", "statute", "interest");
            if (map is null)
            {
                return null;
            }

            var type = map.Enum("type", LegalBasisTypes);
            var statute = map.String("statute", false);
            var interest = map.Text("interest", false);
            if (type is null)
            {
                return null;
            }

            switch (type)
            {
                case LegalBasisType.LegalObligation when statute is null && !map.Has("statute") && !underReview:
                    context.Error(map.Node, RegisterCodes.StatuteRequired, $"a legal obligation needs the statute that imposes it (GDPR Art. 6(3)); add `statute:` (e.g. \"Telecommunicatiewet art. 11.10\"), or, if no statute can be verified, mark {owner.Label} with `legal_review: {{ reason: ... }}`.");
                    return null;
                case LegalBasisType.LegitimateInterest when interest is null && !map.Has("interest"):
                    context.Error(map.Node, RegisterCodes.InterestRequired, "a legitimate interest must state the interest pursued (Art. 13(1)(d); Art. 21 objections are weighed against it); add `interest: { nl: ..., en: ... }`.");
                    return null;
            }

            if (statute is not null && type is not (LegalBasisType.LegalObligation or LegalBasisType.PublicTask))
            {
                context.Error(map.KeyNode("statute")!, RegisterCodes.ReferenceNotAllowed, "`statute` belongs to a legal obligation or a public task; remove it or change `type`.");
            }

            if (interest is not null && type is not LegalBasisType.LegitimateInterest)
            {
                context.Error(map.KeyNode("interest")!, RegisterCodes.ReferenceNotAllowed, "`interest` belongs to a legitimate interest; remove it or change `type` to `legitimate_interest`.");
            }

            return new LegalBasis(type.Value, statute, interest);
        }

        private StatementInfo? ReadStatement(MapReader map)
        {
            var lastUpdated = map.Date("last_updated");
            var title = map.Text("title");
            var controller = map.Map("controller", "`controller`", true, "name", "short_name", "address", "phone", "privacy_email", "general_email") is { } c ? ReadController(c) : null;
            SupervisoryAuthority? authority = null;
            if (map.Map("supervisory_authority", "`supervisory_authority`", true, "name", "url") is { } a)
            {
                var name = a.Text("name");
                var url = a.String("url");
                Uri? uri = null;
                if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Scheme != Uri.UriSchemeHttps))
                {
                    context.Error(a.Get("url")!, RegisterCodes.InvalidValue, $"`url` `{url}` is not an absolute https URL; write e.g. `https://autoriteitpersoonsgegevens.nl`.");
                    uri = null;
                }

                authority = name is null || uri is null ? null : new SupervisoryAuthority(name, uri);
            }

            var intro = map.Paragraphs("intro");
            var responsibility = map.Paragraphs("responsibility");
            var dataIntro = map.Text("data_intro");
            var sharing = map.Paragraphs("sharing");
            var footnote = map.Text("eea_footnote");
            var contactIntro = map.Text("contact_intro");
            var closing = map.Text("closing");
            if (lastUpdated is null || title is null || controller is null || authority is null || intro is null || responsibility is null ||
                dataIntro is null || sharing is null || footnote is null || contactIntro is null || closing is null)
            {
                return null;
            }

            return new StatementInfo(lastUpdated.Value, title, controller, authority, intro, responsibility, dataIntro, sharing, footnote, contactIntro, closing);
        }

        private ControllerIdentity? ReadController(MapReader map)
        {
            var name = map.String("name");
            var shortName = map.String("short_name");
            PostalAddress? address = null;
            if (map.Map("address", "`address`", true, "street", "postal_code", "city", "country") is { } a)
            {
                var street = a.String("street");
                var postalCode = a.String("postal_code");
                var city = a.String("city");
                var country = a.Get("country") is { } cn ? context.AsCountry(cn, "`country`") : null;
                address = street is null || postalCode is null || city is null || country is null ? null : new PostalAddress(street, postalCode, city, country);
            }

            PhoneContact? phone = null;
            if (map.Map("phone", "`phone`", true, "number", "from_day", "to_day", "opens", "closes") is { } p)
            {
                var number = p.String("number");
                var from = p.Enum("from_day", Days);
                var to = p.Enum("to_day", Days);
                var opens = p.Get("opens") is { } o ? context.AsTime(o, "`opens`") : null;
                var closes = p.Get("closes") is { } cl ? context.AsTime(cl, "`closes`") : null;
                phone = number is null || from is null || to is null || opens is null || closes is null ? null : new PhoneContact(number, from.Value, to.Value, opens.Value, closes.Value);
            }

            var privacyEmail = map.String("privacy_email");
            var generalEmail = map.String("general_email");
            return name is null || shortName is null || address is null || phone is null || privacyEmail is null || generalEmail is null
                ? null
                : new ControllerIdentity(name, shortName, address, phone, privacyEmail, generalEmail);
        }

        private Purpose? ReadPurpose(YamlNode node)
        {
            var map = context.AsMap(node, "a purpose", "id", "name", "statement_text", "legal_basis", "legal_review");
            if (map is null)
            {
                return null;
            }

            var id = map.Id();
            Declare("purposes", id, map.Get("id", false));
            var name = map.Text("name");
            var text = map.Text("statement_text", false);
            var review = ReadLegalReview(map);
            var basis = ReadLegalBasis(map, required: false, underReview: review is not null);
            return id is null || name is null ? null : new Purpose(id, name, text, basis, review);
        }

        private DataCategory? ReadCategory(YamlNode node)
        {
            var map = context.AsMap(node, "a category", "id", "service", "description", "fields", "data_subjects", "purposes", "legal_basis", "controller", "retention", "sources", "portability", "automated_decision_making", "legal_review", "statement_addition");
            if (map is null)
            {
                return null;
            }

            var id = map.Id();
            Declare("categories", id, map.Get("id", false));
            var service = map.Id("service");
            Reference("services", service, map.Get("service", false));
            var description = map.Text("description");
            var fields = map.Get("fields") is { } f ? context.AsList(f, "`fields`", n => context.AsId(n, "a field")) : null;
            var subjects = References(map, "data_subjects", "data_subjects");
            var purposes = References(map, "purposes", "purposes");
            var review = ReadLegalReview(map);
            var basis = ReadLegalBasis(map, required: true, underReview: review is not null);
            var controller = map.Enum("controller", Controllers);
            var retention = map.Map("retention", "`retention`", true, "from", "period", "grace", "min", "max", "reference") is { } r ? ReadRetention(r) : null;
            var sources = map.Get("sources") is { } s ? context.AsStructList(s, "`sources`", n => context.AsEnum(n, "a source", Sources)) : null;
            var automated = map.Bool("automated_decision_making");
            if (automated == true)
            {
                context.Error(map.Get("automated_decision_making")!, RegisterCodes.AutomatedDecisionMaking, "the register cannot yet describe the logic, significance and consequences of automated decisions that Art. 15(1)(h) requires; set `false`, or extend the register model first.");
            }

            if (map.Get("portability", false) is { } portabilityNode && context.AsBool(portabilityNode, "`portability`") is { } claimed && basis is not null && sources is not null)
            {
                var derived = basis.AllowsPortability && sources.Contains(DataSource.DataSubject);
                if (claimed && !derived)
                {
                    context.Error(portabilityNode, RegisterCodes.PortabilityNotAllowed, $"portability is derived, not chosen: Art. 20 covers only data provided by the data subject (`sources` includes `data_subject`) and processed on `consent` or `contract`; this category has `{Name(LegalBasisTypes, basis.Type)}` and sources {string.Join(", ", sources.Select(x => $"`{Name(Sources, x)}`"))}. Remove `portability`.");
                }
                else if (!claimed && derived)
                {
                    context.Error(portabilityNode, RegisterCodes.PortabilityRequired, "portability is derived, not chosen: this data is provided by the data subject on consent or contract, so Art. 20 applies. Remove `portability: false`.");
                }
            }

            if (id is null || service is null || description is null || fields is null || subjects is null || purposes is null ||
                basis is null || controller is null || retention is null || sources is null || automated is null)
            {
                return null;
            }

            // Not in the original statement's table: rendered in a section of its own, marked as added (the original stays as it was).
            var addition = map.Get("statement_addition", false) is { } additionNode && context.AsBool(additionNode, "`statement_addition`") == true;
            return new DataCategory(id, service, description, fields, subjects, purposes, basis, controller.Value, retention, sources, automated.Value, review, addition);
        }

        private RetentionRule? ReadRetention(MapReader map)
        {
            var from = map.Enum("from", Anchors);
            var reference = map.String("reference", false);
            if (from is null)
            {
                return null;
            }

            var fromName = Name(Anchors, from.Value);
            void NotAllowed(params string[] keys)
            {
                foreach (var key in keys)
                {
                    if (map.KeyNode(key) is { } keyNode)
                    {
                        context.Error(keyNode, RegisterCodes.RetentionKeyNotAllowed, $"`{key}` does not apply to retention `from: {fromName}`; remove it (`period` goes with `record_time`/`ticket_closed`/`request_closed`/`consent_withdrawn`/`shielding_ended`, `grace` with `service_end`, `min`/`max` with `client_setting`).");
                    }
                }
            }

            switch (from.Value)
            {
                case RetentionAnchor.RecordTime or RetentionAnchor.TicketClosed or RetentionAnchor.RequestClosed or RetentionAnchor.ConsentWithdrawn or RetentionAnchor.ShieldingEnded:
                    {
                        NotAllowed("grace", "min", "max");
                        var period = map.Period("period");
                        return period is null ? null : new FixedRetention(period, from.Value, reference);
                    }

                case RetentionAnchor.ServiceEnd:
                    {
                        NotAllowed("period", "min", "max");
                        var grace = map.Has("grace") ? map.Period("grace") : Period.Zero;
                        return grace is null ? null : new UntilServiceEndRetention(grace, reference);
                    }

                case RetentionAnchor.ClientSetting:
                    {
                        NotAllowed("period", "grace");
                        var missing = BoundKeys.Where(k => !map.Has(k)).ToList();
                        if (missing.Count > 0)
                        {
                            context.Error(map.Node, RegisterCodes.ClientRetentionBoundsRequired, $"retention set by the client needs bounds so that no tenant setting can keep data forever; add {string.Join(" and ", missing.Select(k => $"`{k}:`"))} (e.g. `min: P0D`, `max: P1Y`).");
                        }

                        var min = map.Period("min", false);
                        var max = map.Period("max", false);
                        if (min is null || max is null)
                        {
                            return null;
                        }

                        // Periods of mixed units have no total order; compare them from a fixed day, which is exact for the
                        // single-unit periods a register uses.
                        var comparer = Period.CreateComparer(new LocalDateTime(2000, 1, 1, 0, 0));
                        if (comparer.Compare(min, max) > 0)
                        {
                            context.Error(map.Get("max")!, RegisterCodes.RetentionBoundsOrder, $"`max` ({max}) is shorter than `min` ({min}); swap them or raise `max`.");
                            return null;
                        }

                        return new ClientDefinedRetention(min, max, reference);
                    }

                default:
                    throw new InvalidOperationException($"Unhandled retention anchor {from}.");
            }
        }

        private CountryLists? ReadCountries(MapReader map)
        {
            var eea = map.Get("eea") is { } e ? context.AsList(e, "`eea`", n => context.AsCountry(n, "an EEA country")) : null;
            var adequacy = map.Get("adequacy") is { } a ? context.AsList(a, "`adequacy`", n => context.AsCountry(n, "an adequacy country")) : null;
            LegalReview? review = null;
            if (map.Map("adequacy_review", "`adequacy_review`", false, "reason") is { } r && r.String("reason") is { } reason)
            {
                review = new LegalReview(reason);
                context.Warning(map.KeyNode("adequacy_review")!, RegisterCodes.LegalReview, $"the adequacy list is marked for legal review: {reason} Check it against the European Commission's list, then remove `adequacy_review`.");
            }

            return eea is null || adequacy is null ? null : new CountryLists(eea, adequacy, review);
        }

        private Processor? ReadProcessor(YamlNode node)
        {
            var map = context.AsMap(
                node, "a processor", "id", "name", "activity", "country", "transfer_mechanism", "categories", "example", "legal_review",
                "agreement", "sub_processor_of", "security_measures", "last_reviewed", "next_review");
            if (map is null)
            {
                return null;
            }

            var id = map.Id();
            Declare("processors", id, map.Get("id", false));
            var name = map.Text("name");
            var activity = map.Text("activity");
            var countryNode = map.Get("country");
            var country = countryNode is null ? null : context.AsCountry(countryNode, "`country`");
            TransferMechanism? mechanism = null;
            var mechanismMap = map.Map(
                "transfer_mechanism", "`transfer_mechanism`", false, "type", "certification_checked", "transfer_impact_assessment", "module", "approval", "ground");
            if (mechanismMap is not null)
            {
                mechanism = ReadMechanism(mechanismMap);
            }

            var categories = References(map, "categories", "categories");
            var example = map.Bool("example", false) ?? false;
            var review = ReadLegalReview(map);
            ProcessorAgreement? agreement = null;
            var agreementMap = map.Map("agreement", "`agreement`", false, "reference", "signed");
            if (agreementMap is not null && agreementMap.String("reference") is { } reference && agreementMap.Date("signed") is { } signed)
            {
                agreement = new ProcessorAgreement(reference, signed);
            }

            string? parent = null;
            if (map.Get("sub_processor_of", false) is { } parentNode && context.AsId(parentNode, "`sub_processor_of`") is { } parentId)
            {
                if (parentId == id)
                {
                    context.Error(parentNode, RegisterCodes.InvalidValue, "a processor cannot be its own sub-processor; name its parent processor's id.");
                }
                else
                {
                    Reference("processors", parentId, parentNode);
                    parent = parentId;
                }
            }

            var security = map.Text("security_measures", false);
            var lastReviewed = map.Date("last_reviewed", false);
            var nextReview = map.Date("next_review", false);
            if (lastReviewed is { } last && nextReview is { } next && next < last)
            {
                context.Error(map.Get("next_review")!, RegisterCodes.InvalidValue, $"`next_review` ({next}) is before `last_reviewed` ({last}).");
            }

            if (id is null || name is null || activity is null || country is null || categories is null || (mechanismMap is not null && mechanism is null))
            {
                return null;
            }

            var processor = new Processor(id, name, activity, country, mechanism, categories, example, review)
            {
                Details = new ProcessorDetails(agreement, parent, security, lastReviewed, nextReview, (int)node.Start.Line),
            };
            _transfers.Add((processor, countryNode!, mechanismMap?.Get("type", false)));
            return processor;
        }

        private TransferMechanism? ReadMechanism(MapReader mechanismMap)
        {
            var type = mechanismMap.Enum("type", TransferMechanisms);
            LocalDate? checkedOn = null;
            LocalDate? tia = null;
            string? module = null;
            string? approval = null;
            string? ground = null;
            var valid = true;
            switch (type)
            {
                case TransferMechanismType.EuUsDpf:
                    checkedOn = mechanismMap.Date("certification_checked");
                    valid = checkedOn is not null;
                    break;
                case TransferMechanismType.Scc:
                    tia = mechanismMap.Date("transfer_impact_assessment");
                    module = mechanismMap.String("module", false);
                    if (module is not null && !SccModules.Contains(module))
                    {
                        context.Error(mechanismMap.Get("module")!, RegisterCodes.InvalidValue, $"`{module}` is not an SCC module; use one of {string.Join(", ", SccModules.Order(StringComparer.Ordinal).Select(m => $"`{m}`"))} (Decision (EU) 2021/914).");
                        valid = false;
                    }
                    else if (module is null)
                    {
                        context.Warning(mechanismMap.Node, RegisterCodes.TransferMechanismIncomplete, "SCCs without `module`: name the module of Decision (EU) 2021/914 (`c2c`, `c2p`, `p2p`, `p2c`).");
                    }

                    valid &= tia is not null;
                    break;
                case TransferMechanismType.Bcr:
                    tia = mechanismMap.Date("transfer_impact_assessment");
                    approval = mechanismMap.String("approval", false);
                    if (approval is null)
                    {
                        context.Warning(mechanismMap.Node, RegisterCodes.TransferMechanismIncomplete, "BCRs without `approval`: name the approving supervisory authority's reference (Art. 47).");
                    }

                    valid = tia is not null;
                    break;
                case TransferMechanismType.Derogation:
                    ground = mechanismMap.String("ground");
                    if (ground is not null && !DerogationGrounds.Contains(ground))
                    {
                        context.Error(mechanismMap.Get("ground")!, RegisterCodes.InvalidValue, $"`{ground}` is not an Art. 49 ground; use one of {string.Join(", ", DerogationGrounds.Order(StringComparer.Ordinal).Select(g => $"`{g}`"))}.");
                        valid = false;
                    }

                    valid &= ground is not null;
                    break;
            }

            return type is null || !valid ? null : new TransferMechanism(type.Value, checkedOn, tia, module, approval, ground);
        }

        private SubProcessorChanges? ReadSubProcessorChanges(MapReader map)
        {
            var authorisation = map.Enum("authorisation", SubProcessorAuthorisations);
            int? window = null;
            if (map.Get("objection_window_days") is { } windowNode && context.AsString(windowNode, "`objection_window_days`") is { } text)
            {
                if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 365)
                {
                    window = days;
                }
                else
                {
                    context.Error(windowNode, RegisterCodes.InvalidValue, "`objection_window_days` is a whole number of days from 1 to 365.");
                }
            }

            var pending = map.Get("pending", false) is { } list
                ? context.AsList(list, "`pending`", item =>
                {
                    var change = context.AsMap(item, "a pending sub-processor change", "processor", "change", "announced", "objection_deadline");
                    if (change is null)
                    {
                        return null;
                    }

                    var processor = change.Id("processor");
                    if (processor is not null)
                    {
                        Reference("processors", processor, change.Get("processor", false)!);
                    }

                    var kind = change.String("change");
                    if (kind is not null and not ("add" or "replace"))
                    {
                        context.Error(change.Get("change")!, RegisterCodes.InvalidValue, "`change` is `add` or `replace`.");
                        kind = null;
                    }

                    var announced = change.Date("announced");
                    var deadline = change.Date("objection_deadline");
                    if (announced is { } a && deadline is { } d && window is { } w && d < a.PlusDays(w))
                    {
                        context.Warning(change.Get("objection_deadline")!, RegisterCodes.ObjectionWindowShort, $"the objection deadline {d} leaves less than the agreed {w} days after the announcement on {a}.");
                    }

                    return processor is null || kind is null || announced is null || deadline is null
                        ? null
                        : new PendingSubProcessorChange(processor, kind, announced.Value, deadline.Value, (int)item.Start.Line);
                })
                : [];
            return authorisation is null || window is null || pending is null ? null : new SubProcessorChanges(authorisation.Value, window.Value, pending);
        }

        private void CheckTransfers(CountryLists countries)
        {
            foreach (var (processor, countryNode, mechanismNode) in _transfers)
            {
                if (countries.IsInEea(processor.Country))
                {
                    continue;
                }

                switch (processor.TransferMechanism?.Type)
                {
                    case null:
                        context.Error(countryNode, RegisterCodes.TransferMechanismRequired, $"`{processor.Country}` is outside the EEA, so a transfer needs a ground (GDPR Ch. V); add `transfer_mechanism: {{ type: ... }}` with one of `adequacy`, `scc`, `bcr`, `eu_us_dpf`.");
                        break;
                    case TransferMechanismType.Adequacy when !countries.HasAdequacy(processor.Country):
                        context.Error(mechanismNode!, RegisterCodes.AdequacyNotListed, $"`{processor.Country}` is not on the register's adequacy list (`countries.adequacy`); use `scc`, `bcr` or `eu_us_dpf`, or add the country after checking the Commission's decisions.");
                        break;
                    case TransferMechanismType.EuUsDpf when processor.Country != "US":
                        context.Error(mechanismNode!, RegisterCodes.TransferMechanismInvalid, $"the EU–US Data Privacy Framework only covers importers in the US, not `{processor.Country}`; use `scc` or `bcr`.");
                        break;
                }
            }
        }

        private RecipientCategory? ReadRecipient(YamlNode node)
        {
            var map = context.AsMap(node, "a recipient category", "id", "name", "processors");
            if (map is null)
            {
                return null;
            }

            var id = map.Id();
            Declare("recipients", id, map.Get("id", false));
            var name = map.Text("name");
            var processors = References(map, "processors", "processors", required: false);
            return id is null || name is null || processors is null ? null : new RecipientCategory(id, name, processors);
        }

        private Disclosure? ReadDisclosure(YamlNode node)
        {
            var map = context.AsMap(node, "a disclosure", "id", "recipient", "text", "purpose", "categories", "continues_paragraph", "legal_review");
            if (map is null)
            {
                return null;
            }

            var id = map.Id();
            Declare("disclosures", id, map.Get("id", false));
            var recipient = map.Text("recipient");
            var text = map.Text("text");
            var purpose = map.Id("purpose");
            Reference("purposes", purpose, map.Get("purpose", false));
            var categories = References(map, "categories", "categories");
            var continues = map.Bool("continues_paragraph", false) ?? false;
            var review = ReadLegalReview(map);
            return id is null || recipient is null || text is null || purpose is null || categories is null
                ? null
                : new Disclosure(id, recipient, text, purpose, categories, continues, review);
        }

        private RightsInfo? ReadRights(MapReader map)
        {
            var intro = map.Text("intro");
            var channels = map.Get("channels") is { } c ? context.AsStructList(c, "`channels`", n => context.AsEnum(n, "a channel", Channels)) : null;
            var verification = RequestVerification.Default;
            if (map.Map("verification", "`verification`", false, "id_copy_fallback") is { } v)
            {
                verification = new RequestVerification(v.Bool("id_copy_fallback", true) ?? false);
            }

            var requirements = List(map, "requirements", "requirements", n =>
            {
                var r = context.AsMap(n, "a requirement", "id", "text", "when", "legal_review");
                if (r is null)
                {
                    return null;
                }

                var id = r.Id();
                Declare("requirements", id, r.Get("id", false));
                var text = r.Text("text");
                var review = ReadLegalReview(r);
                var when = RequirementCondition.Always;
                if (r.Get("when", false) is { } whenNode)
                {
                    when = context.AsEnum(whenNode, "a requirement's `when`", RequirementConditions) ?? when;
                }

                return id is null || text is null ? null : new RequestRequirement(id, text, review, when);
            });
            var closing = map.Text("requirements_closing");
            var items = List(map, "items", "rights", ReadRight);
            if (items is not null)
            {
                var missing = Rights.Where(pair => !items.Any(i => i.Covers.Contains(pair.Value))).Select(pair => $"`{pair.Key}`").ToList();
                if (missing.Count > 0)
                {
                    context.Error(map.Get("items")!, RegisterCodes.RightMissing, $"the statement must explain every right (Art. 13(2)(b)–(d)); no item covers {string.Join(", ", missing)}. Add it to an item's `covers`.");
                }
            }

            return intro is null || channels is null || requirements is null || closing is null || items is null
                ? null
                : new RightsInfo(intro, channels, verification, requirements, closing, items);
        }

        private Right? ReadRight(YamlNode node)
        {
            var map = context.AsMap(node, "a right", "id", "covers", "title", "text");
            if (map is null)
            {
                return null;
            }

            var id = map.Id();
            Declare("rights", id, map.Get("id", false));
            var covers = map.Get("covers") is { } c ? context.AsStructList(c, "`covers`", n => context.AsEnum(n, "a right", Rights)) : null;
            var title = map.Text("title");
            var text = map.Paragraphs("text");
            return id is null || covers is null || title is null || text is null ? null : new Right(id, covers, title, text);
        }
    }
}
