using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Inference.Onnx;

/// <summary>Checks of a model input/output against what the binding code can feed or read.</summary>
internal static class TensorMetadata
{
    public static void RequireType(OnnxModelSession session, string name, NodeMetadata meta, params TensorElementType[] allowed)
    {
        if (!meta.IsTensor || !allowed.Contains(meta.ElementDataType))
        {
            throw new InvalidDataException(
                $"{session.ModelPath}: '{name}' is {meta.ElementDataType}; expected {string.Join(" or ", allowed)}.");
        }
    }

    public static void RequireRank(OnnxModelSession session, string name, NodeMetadata meta, params int[] ranks)
    {
        if (!ranks.Contains(meta.Dimensions.Length))
        {
            throw new InvalidDataException(
                $"{session.ModelPath}: '{name}' has rank {meta.Dimensions.Length} [{string.Join(",", meta.Dimensions)}]; expected rank {string.Join(" or ", ranks)}.");
        }
    }

    /// <summary>A fixed dimension, or null when the export left it symbolic.</summary>
    public static int? Fixed(NodeMetadata meta, int axis) => meta.Dimensions[axis] > 0 ? meta.Dimensions[axis] : null;

    public static OrtValue Float(Memory<float> memory, params long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, shape);

    public static OrtValue Int64(Memory<long> memory, params long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, shape);

    public static OrtValue Int32(Memory<int> memory, params long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, shape);

    public static int[] Shape(OrtValue value) => value.GetTensorTypeAndShape().Shape.Select(d => checked((int)d)).ToArray();
}
