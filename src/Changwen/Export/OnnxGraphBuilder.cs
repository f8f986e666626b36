using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Changwen.Export;

/// <summary>
/// Builds one ONNX graph node by node over the classes generated from the official onnx.proto3 (Google.Protobuf):
/// weights become initializers, every intermediate value gets a fresh unique name, and <see cref="ToModel"/> wraps the
/// graph in a ModelProto of <see cref="Opset"/>. The methods name ONNX operators one to one, so a graph writer reads
/// like the model's forward pass.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The default-domain operator set the graphs are written against (ReduceMax/Mean take axes as attributes here).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version that goes with opset 17 (ONNX 1.12).</summary>
    public const long IrVersion = 8;

    private readonly GraphProto graph = new() { Name = "changwen" };
    private int next;

    private string Fresh(string hint) => $"{hint}_{next++}";

    public void Input(string name, TensorProto.Types.DataType type, params string[] dims) =>
        graph.Input.Add(ValueInfo(name, type, dims));

    public void Output(string value, string name, TensorProto.Types.DataType type, params string[] dims)
    {
        Node("Identity", [value], name);
        graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>A float initializer of the given shape.</summary>
    public string Weight(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
            throw new ArgumentException($"{values.Length} values for shape [{string.Join(",", dims)}] ({name})");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)); // ONNX raw data is little-endian, as x64 and arm64 are
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 constant (a scalar when <paramref name="dims"/> is empty).</summary>
    public string Int64s(string hint, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string Int64Scalar(long value) => Int64s("i64", [value]);
    public string Int64Vector(params long[] values) => Int64s("i64s", values, values.Length);

    /// <summary>A float scalar constant.</summary>
    public string FloatScalar(float value)
    {
        var tensor = new TensorProto { Name = Fresh("f32"), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node; returns its (first) output.</summary>
    public string Node(string op, string[] inputs, string? output = null, params AttributeProto[] attributes) =>
        NodeN(op, inputs, 1, output is null ? null : [output], attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs (names made up unless given).</summary>
    public string[] NodeN(string op, string[] inputs, int outputs, string[]? names = null, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(op) };
        node.Input.AddRange(inputs);
        var outs = names ?? Enumerable.Range(0, outputs).Select(_ => Fresh(op.ToLowerInvariant())).ToArray();
        node.Output.AddRange(outs);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return outs;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    // The operators the graph writers use, one line each.

    public string Gather(string data, string indices, long axis = 0) => Node("Gather", [data, indices], null, Int("axis", axis));
    public string Transpose(string x, params long[] perm) => Node("Transpose", [x], null, Ints("perm", perm));
    public string Equal(string a, string b) => Node("Equal", [a, b]);
    public string Not(string x) => Node("Not", [x]);
    public string And(string a, string b) => Node("And", [a, b]);
    public string Greater(string a, string b) => Node("Greater", [a, b]);
    public string GreaterOrEqual(string a, string b) => Node("GreaterOrEqual", [a, b]);
    public string Less(string a, string b) => Node("Less", [a, b]);
    public string Where(string condition, string x, string y) => Node("Where", [condition, x, y]);
    public string CastToFloat(string x) => Node("Cast", [x], null, Int("to", (long)TensorProto.Types.DataType.Float));
    public string Add(string a, string b) => Node("Add", [a, b]);
    public string Sub(string a, string b) => Node("Sub", [a, b]);
    public string Mul(string a, string b) => Node("Mul", [a, b]);
    public string Div(string a, string b) => Node("Div", [a, b]);
    public string Max(string a, string b) => Node("Max", [a, b]);
    public string Relu(string x) => Node("Relu", [x]);
    public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", [x, Int64Vector(axes)]);
    public string Squeeze(string x, params long[] axes) => Node("Squeeze", [x, Int64Vector(axes)]);
    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, Int64Vector(shape)]);
    public string Concat(long axis, params string[] inputs) => Node("Concat", inputs, null, Int("axis", axis));
    public string ReduceSum(string x, long axis, bool keepDims) => Node("ReduceSum", [x, Int64Vector(axis)], null, Int("keepdims", keepDims ? 1 : 0));
    public string ReduceMax(string x, long axis, bool keepDims) => Node("ReduceMax", [x], null, Ints("axes", axis), Int("keepdims", keepDims ? 1 : 0));
    public string ReduceMin(string x, long axis, bool keepDims) => Node("ReduceMin", [x], null, Ints("axes", axis), Int("keepdims", keepDims ? 1 : 0));
    public string Softmax(string x, long axis) => Node("Softmax", [x], null, Int("axis", axis));
    public string Shape(string x) => Node("Shape", [x]);

    /// <summary><c>x[..., start:end]</c> along one axis.</summary>
    public string Slice(string x, long axis, long start, long end) =>
        Node("Slice", [x, Int64Vector(start), Int64Vector(end), Int64Vector(axis)]);

    /// <summary>The size of dimension <paramref name="axis"/> of <paramref name="x"/> as an int64 scalar.</summary>
    public string Dim(string x, long axis) => Gather(Shape(x), Int64Scalar(axis));

    /// <summary>PyTorch's Linear: <c>x · Wᵀ + b</c> for <c>x [B,in]</c>, W <c>[out,in]</c>.</summary>
    public string Linear(string x, string weight, string bias) => Node("Gemm", [x, weight, bias], null, Int("transB", 1));

    public ModelProto ToModel(string producerVersion, string docString)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "changwen",
            ProducerVersion = producerVersion,
            DocString = docString,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(long.TryParse(dim, out var size) ? new TensorShapeProto.Types.Dimension { DimValue = size }
                : new TensorShapeProto.Types.Dimension { DimParam = dim });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
