using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Changwen.Tests.Architecture;

/// <summary>
/// Which folder (namespace under <c>Changwen.</c>) of the compiled library references which, read from the assembly's
/// metadata rather than from <c>using</c> lines: a relative name such as <c>Tfidf.LinearJob</c>, or a type reached
/// through a member's signature, has no <c>using</c>. A folder A depends on B when a type declared in A (or a
/// compiler-generated type nested in one: lambdas, iterators, async state machines) names a type declared in B in its
/// base type, interfaces, fields, properties, method signatures, local variables, generic constraints, attributes, or
/// in an instruction of a method body (types, methods and fields used, and the signatures of the members used).
/// Constants (const fields, enum members used only as values, <c>nameof</c>) are copied into the IL as numbers or
/// strings and leave no reference; given the library's source folder, <see cref="Of"/> also counts each file's
/// <c>using Changwen.X;</c> and relative names such as <c>Tfidf.LinearJob</c>, which is how a constant of another
/// folder is reached.
/// </summary>
public sealed class FolderDependencies
{
    public const string RootFolder = "(root)";
    const string LibraryNamespace = "Changwen";

    /// <summary>Folder → the other folders it references (never itself).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> References { get; }

    /// <summary>For each (from, to) pair, one example: "FromType → ToType", for a reader who wants to know why.</summary>
    public IReadOnlyDictionary<(string From, string To), string> Examples { get; }

    FolderDependencies(Dictionary<string, SortedSet<string>> references, Dictionary<(string, string), string> examples)
    {
        References = references.ToDictionary(p => p.Key, p => (IReadOnlySet<string>)p.Value);
        Examples = examples;
    }

    /// <param name="sourceDir">The library's source folder (src/Changwen), whose subfolders are its folders; null reads
    /// the assembly only.</param>
    public static FolderDependencies Of(string assemblyPath, string? sourceDir = null)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var walker = new Walker(reader, pe);
        foreach (var handle in reader.TypeDefinitions) walker.Visit(handle);
        if (sourceDir is not null) AddSources(sourceDir, walker.References, walker.Examples, TypeNames(reader));
        return new FolderDependencies(walker.References, walker.Examples);
    }

    /// <summary>Folder → the names of the top-level types declared in it.</summary>
    static Dictionary<string, HashSet<string>> TypeNames(MetadataReader reader)
    {
        var names = new Dictionary<string, HashSet<string>>();
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            if (!type.GetDeclaringType().IsNil) continue;
            var folder = FolderOf(reader.GetString(type.Namespace));
            if (folder == "") continue;
            var name = reader.GetString(type.Name);
            (names.TryGetValue(folder, out var set) ? set : names[folder] = []).Add(name.Split('`')[0]);
        }
        return names;
    }

    static void AddSources(string sourceDir, Dictionary<string, SortedSet<string>> references,
        Dictionary<(string, string), string> examples, Dictionary<string, HashSet<string>> typeNames)
    {
        var folders = references.Keys.Where(f => f != RootFolder).ToList();
        var named = new System.Text.RegularExpressions.Regex(
            @"^\s*using\s+(?:static\s+)?Changwen\.(?<to>\w+)|(?<![\w.""])(?<to>" + string.Join("|", folders) + @")\.(?<type>[A-Z]\w*)",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        foreach (var file in Directory.EnumerateFiles(sourceDir, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(sourceDir, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts[0] is "bin" or "obj") continue;
            var from = parts.Length == 1 ? RootFolder : parts[0];
            if (!references.ContainsKey(from)) continue;
            // Comments and strings name other folders freely (a <see cref> is checked by the compiler, not a dependency).
            var code = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(file), @"//[^\n]*|""(?:[^""\\\n]|\\.)*""", "");
            foreach (System.Text.RegularExpressions.Match m in named.Matches(code))
            {
                var to = m.Groups["to"].Value;
                if (to == from || !references.ContainsKey(to)) continue;
                // Text.Length on a property named Text is no folder: the name after the dot must be one of its types.
                if (m.Groups["type"].Success && !typeNames.GetValueOrDefault(to, []).Contains(m.Groups["type"].Value)) continue;
                if (references[from].Add(to)) examples[(from, to)] = $"{relative}: {m.Value.Trim()}";
            }
        }
    }

    public IReadOnlyList<string> Folders => References.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Every cycle's folders (strongly connected components of more than one folder), Tarjan's algorithm.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<IReadOnlyList<string>>();
        int next = 0;

        void Connect(string folder)
        {
            index[folder] = low[folder] = next++;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var to in References.GetValueOrDefault(folder) ?? new HashSet<string>())
            {
                if (!index.ContainsKey(to)) { Connect(to); low[folder] = Math.Min(low[folder], low[to]); }
                else if (onStack.Contains(to)) low[folder] = Math.Min(low[folder], index[to]);
            }
            if (low[folder] != index[folder]) return;
            var component = new List<string>();
            string member;
            do { member = stack.Pop(); onStack.Remove(member); component.Add(member); } while (member != folder);
            if (component.Count > 1) cycles.Add(component.Order(StringComparer.Ordinal).ToList());
        }

        foreach (var folder in Folders) if (!index.ContainsKey(folder)) Connect(folder);
        return cycles;
    }

    /// <summary>Folders in dependency order (each after everything it references), or null when there is a cycle.</summary>
    public IReadOnlyList<string>? Layers()
    {
        var order = new List<string>();
        var placed = new HashSet<string>();
        var remaining = Folders.ToList();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(f => References[f].All(placed.Contains)).ToList();
            if (ready.Count == 0) return null;
            foreach (var f in ready) { order.Add(f); placed.Add(f); remaining.Remove(f); }
        }
        return order;
    }

    /// <summary>A markdown table, one row per folder in dependency order (alphabetical when there is a cycle).</summary>
    public string Table()
    {
        var rows = Layers() ?? Folders;
        var usedBy = Folders.ToDictionary(f => f, f => Folders.Where(g => References[g].Contains(f)).ToList());
        var lines = new List<string> { "| folder | references | referenced by |", "|---|---|---|" };
        foreach (var f in rows)
            lines.Add($"| {f} | {string.Join(", ", Ordered(References[f], rows))} | {string.Join(", ", Ordered(usedBy[f], rows))} |");
        var cycles = Cycles();
        lines.Add("");
        lines.Add(cycles.Count == 0
            ? "No cycle: every folder references only folders above it."
            : "Cycles: " + string.Join("; ", cycles.Select(c => string.Join(" ↔ ", c))));
        return string.Join('\n', lines);
    }

    static IEnumerable<string> Ordered(IEnumerable<string> folders, IReadOnlyList<string> order) =>
        folders.OrderBy(f => order.ToList().IndexOf(f));

    public static string FolderOf(string @namespace) =>
        @namespace == LibraryNamespace ? RootFolder
        : @namespace.StartsWith(LibraryNamespace + ".", StringComparison.Ordinal)
            ? @namespace[(LibraryNamespace.Length + 1)..].Split('.')[0]
            : "";

    sealed class Walker(MetadataReader reader, PEReader pe)
    {
        public readonly Dictionary<string, SortedSet<string>> References = new();
        public readonly Dictionary<(string, string), string> Examples = new();
        readonly SignatureNames signatures = new(reader);
        string from = "", fromType = "";

        static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields()
            .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

        public void Visit(TypeDefinitionHandle handle)
        {
            var outer = handle;
            while (reader.GetTypeDefinition(outer).GetDeclaringType() is { IsNil: false } declaring) outer = declaring;
            var outerType = reader.GetTypeDefinition(outer);
            from = FolderOf(reader.GetString(outerType.Namespace));
            if (from == "") return;
            fromType = reader.GetString(outerType.Name);
            References.TryAdd(from, new SortedSet<string>(StringComparer.Ordinal));

            var type = reader.GetTypeDefinition(handle);
            if (!type.BaseType.IsNil) AddEntity(type.BaseType);
            foreach (var i in type.GetInterfaceImplementations()) AddEntity(reader.GetInterfaceImplementation(i).Interface);
            AddAttributes(type.GetCustomAttributes());
            AddGenericParameters(type.GetGenericParameters());
            foreach (var f in type.GetFields())
            {
                var field = reader.GetFieldDefinition(f);
                AddAll(field.DecodeSignature(signatures, null));
                AddAttributes(field.GetCustomAttributes());
            }
            foreach (var p in type.GetProperties())
            {
                var property = reader.GetPropertyDefinition(p);
                AddMethodSignature(property.DecodeSignature(signatures, null));
                AddAttributes(property.GetCustomAttributes());
            }
            foreach (var m in type.GetMethods()) VisitMethod(reader.GetMethodDefinition(m));
        }

        void VisitMethod(MethodDefinition method)
        {
            AddMethodSignature(method.DecodeSignature(signatures, null));
            AddAttributes(method.GetCustomAttributes());
            AddGenericParameters(method.GetGenericParameters());
            foreach (var p in method.GetParameters()) AddAttributes(reader.GetParameter(p).GetCustomAttributes());
            if (method.RelativeVirtualAddress == 0) return;
            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
                AddAll(signatures.Locals(reader.GetStandaloneSignature(body.LocalSignature)));
            foreach (var region in body.ExceptionRegions)
                if (!region.CatchType.IsNil) AddEntity(region.CatchType);
            VisitInstructions(body.GetILReader());
        }

        void VisitInstructions(BlobReader il)
        {
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE) code = unchecked((short)(0xFE00 | il.ReadByte()));
                switch (Operands[code])
                {
                    case OperandType.InlineNone: break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1; break;
                    case OperandType.InlineVar: il.Offset += 2; break;
                    case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
                    case OperandType.InlineSwitch: var targets = il.ReadInt32(); il.Offset += 4 * targets; break;
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok
                        or OperandType.InlineType or OperandType.InlineSig:
                        AddToken(il.ReadInt32()); break;
                    default: il.Offset += 4; break; // InlineBrTarget, InlineI, InlineString, ShortInlineR
                }
            }
        }

        void AddToken(int token)
        {
            var handle = MetadataTokens.EntityHandle(token);
            if (handle.Kind == HandleKind.StandaloneSignature)
                AddMethodSignature(reader.GetStandaloneSignature((StandaloneSignatureHandle)handle)
                    .DecodeMethodSignature(signatures, null));
            else AddEntity(handle);
        }

        void AddEntity(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                case HandleKind.TypeReference:
                case HandleKind.TypeSpecification:
                    AddAll(signatures.OfType(handle)); break;
                case HandleKind.MethodDefinition:
                    var method = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                    AddAll(signatures.OfType(method.GetDeclaringType()));
                    AddMethodSignature(method.DecodeSignature(signatures, null));
                    break;
                case HandleKind.FieldDefinition:
                    var field = reader.GetFieldDefinition((FieldDefinitionHandle)handle);
                    AddAll(signatures.OfType(field.GetDeclaringType()));
                    AddAll(field.DecodeSignature(signatures, null));
                    break;
                case HandleKind.MemberReference:
                    var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                    AddEntity(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method) AddMethodSignature(member.DecodeMethodSignature(signatures, null));
                    else AddAll(member.DecodeFieldSignature(signatures, null));
                    break;
                case HandleKind.MethodSpecification:
                    var spec = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    AddEntity(spec.Method);
                    foreach (var t in spec.DecodeSignature(signatures, null)) AddAll(t);
                    break;
            }
        }

        void AddAttributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes) AddEntity(reader.GetCustomAttribute(a).Constructor);
        }

        void AddGenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var p in parameters)
                foreach (var c in reader.GetGenericParameter(p).GetConstraints())
                    AddEntity(reader.GetGenericParameterConstraint(c).Type);
        }

        void AddMethodSignature(MethodSignature<ImmutableHashSet<(string, string)>> signature)
        {
            AddAll(signature.ReturnType);
            foreach (var p in signature.ParameterTypes) AddAll(p);
        }

        void AddAll(ImmutableHashSet<(string Folder, string Type)> types)
        {
            foreach (var (to, toType) in types)
            {
                if (to == from || to == "") continue;
                References.TryAdd(to, new SortedSet<string>(StringComparer.Ordinal));
                if (References[from].Add(to)) Examples[(from, to)] = $"{fromType} → {toType}";
            }
        }
    }

    /// <summary>Decodes signatures into the set of (folder, type name) of the library's types they mention.</summary>
    sealed class SignatureNames(MetadataReader reader) : ISignatureTypeProvider<ImmutableHashSet<(string, string)>, object?>
    {
        static readonly ImmutableHashSet<(string, string)> None = ImmutableHashSet<(string, string)>.Empty;

        public ImmutableHashSet<(string, string)> OfType(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => GetTypeFromDefinition(reader, (TypeDefinitionHandle)handle, 0),
            HandleKind.TypeSpecification => reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => None, // a type reference is outside this assembly
        };

        public ImmutableHashSet<(string, string)> Locals(StandaloneSignature signature) =>
            signature.GetKind() == StandaloneSignatureKind.LocalVariables
                ? signature.DecodeLocalSignature(this, null).Aggregate(None, (all, t) => all.Union(t))
                : None;

        public ImmutableHashSet<(string, string)> GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte kind)
        {
            var outer = handle;
            while (r.GetTypeDefinition(outer).GetDeclaringType() is { IsNil: false } declaring) outer = declaring;
            var type = r.GetTypeDefinition(outer);
            var folder = FolderOf(r.GetString(type.Namespace));
            return folder == "" ? None : None.Add((folder, r.GetString(type.Name)));
        }

        public ImmutableHashSet<(string, string)> GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte kind) => None;
        public ImmutableHashSet<(string, string)> GetTypeFromSpecification(MetadataReader r, object? context, TypeSpecificationHandle handle, byte kind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, context);
        public ImmutableHashSet<(string, string)> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
        public ImmutableHashSet<(string, string)> GetSZArrayType(ImmutableHashSet<(string, string)> element) => element;
        public ImmutableHashSet<(string, string)> GetArrayType(ImmutableHashSet<(string, string)> element, ArrayShape shape) => element;
        public ImmutableHashSet<(string, string)> GetByReferenceType(ImmutableHashSet<(string, string)> element) => element;
        public ImmutableHashSet<(string, string)> GetPointerType(ImmutableHashSet<(string, string)> element) => element;
        public ImmutableHashSet<(string, string)> GetPinnedType(ImmutableHashSet<(string, string)> element) => element;
        public ImmutableHashSet<(string, string)> GetGenericInstantiation(ImmutableHashSet<(string, string)> generic, ImmutableArray<ImmutableHashSet<(string, string)>> arguments) =>
            arguments.Aggregate(generic, (all, t) => all.Union(t));
        public ImmutableHashSet<(string, string)> GetGenericMethodParameter(object? context, int index) => None;
        public ImmutableHashSet<(string, string)> GetGenericTypeParameter(object? context, int index) => None;
        public ImmutableHashSet<(string, string)> GetFunctionPointerType(MethodSignature<ImmutableHashSet<(string, string)>> signature) =>
            signature.ParameterTypes.Aggregate(signature.ReturnType, (all, t) => all.Union(t));
        public ImmutableHashSet<(string, string)> GetModifiedType(ImmutableHashSet<(string, string)> modifier, ImmutableHashSet<(string, string)> unmodified, bool isRequired) => unmodified;
    }
}
